//! The HTTP API as an OpenAPI 3.1 document (`quire serve --openapi`), its record schema the
//! same JSON Schema (2020-12) the `schema` target writes.

use serde_json::{Value, json};

use quire_core::model::Questionnaire;

/// The OpenAPI 3.1 document of the server's API for this questionnaire: each audience's
/// record schema, the responses' statuses and their error bodies.
pub fn document(model: &Questionnaire) -> Value {
    let cols = quire_core::data::columns(model);
    let mut record = quire_backends::schema::json_schema(model, &cols);
    // The record schema's shared parts become components of their own, its `$ref`s with them.
    let mut defs = serde_json::Map::new();
    if let Value::Object(o) = &mut record {
        o.remove("$schema");
        o.remove("$id");
        // Each column's type and codes stay; the routing rules (`allOf` of if/then) are the
        // server's to check, with Quire's evaluator, and come back as a 422's problems.
        o.remove("allOf");
        if let Some(Value::Object(d)) = o.remove("$defs") {
            for (k, v) in d {
                defs.insert(format!("RecordPart_{k}"), v);
            }
        }
    }
    fn rewrite(v: &mut Value) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get_mut("$ref")
                    && let Some(k) = r.strip_prefix("#/$defs/")
                {
                    *r = format!("#/components/schemas/RecordPart_{k}");
                }
                o.values_mut().for_each(rewrite);
            }
            Value::Array(a) => a.iter_mut().for_each(rewrite),
            _ => {}
        }
    }
    rewrite(&mut record);
    for v in defs.values_mut() {
        rewrite(v);
    }
    let audiences: Vec<&String> = model.audiences.iter().map(|a| &a.id).collect();
    let error = json!({ "description": "A problem, as JSON", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let audience = json!({ "name": "audience", "in": "path", "required": true, "schema": { "type": "string", "enum": audiences } });
    let secret = json!({ "name": "X-Quire-Secret", "in": "header", "required": false, "description": "What owns a saved response: the secret the form made when it first saved it (16 characters or more), or its resume code. Needed to change or complete a saved response.", "schema": { "type": "string" } });
    let invitation = json!({ "name": "X-Quire-Invitation", "in": "header", "required": false, "description": "An invitation token, when the audience's form needs one (kept with a saved response)", "schema": { "type": "string" } });
    let healthy = json!({ "description": "Healthy", "content": { "application/json": { "schema": { "type": "object", "properties": { "status": { "const": "ok" }, "database": { "const": "ok" } }, "required": ["status"] } } } });
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("Quire collection API: {}", model.survey.title.plain()),
            "version": model.survey.version,
            "description": "Receives the web form's records (the data contract, docs/data.md), validates them with Quire's evaluator and stores each once."
        },
        "paths": {
            "/healthz": { "get": {
                "operationId": "health",
                "summary": "Whether the server and its database answer (and, after a write failed for want of space, take writes again)",
                "responses": { "200": healthy, "503": error }
            } },
            "/readyz": { "get": {
                "operationId": "ready",
                "summary": "Whether a response sent now would be stored: the database takes a write",
                "responses": { "200": healthy, "503": error }
            } },
            "/api/{audience}/responses": { "post": {
                "operationId": "submit",
                "summary": "Submit a finished response",
                "description": "Keyed by respondent_id: a repeat of the same record is acknowledged (200) and stored once; a different record under a stored id is refused (409) and logged. Completing a saved response needs its X-Quire-Secret; a paper or telephone return needs the keying token (Authorization: Bearer).",
                "parameters": [audience, { "name": "Idempotency-Key", "in": "header", "required": false, "description": "The record's respondent_id", "schema": { "type": "string" } }, invitation, secret],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Record" } } } },
                "responses": {
                    "201": { "description": "Stored", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Stored" } } } },
                    "200": { "description": "Already stored: the same record", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Stored" } } } },
                    "400": error, "403": error, "404": error, "408": error, "409": error, "413": error, "415": error, "422": error, "429": error, "503": error
                }
            } },
            "/api/{audience}/responses/{respondent_id}": { "put": {
                "operationId": "savePartial",
                "summary": "Save a response in progress; answers with its resume code",
                "description": "A new response is owned by the X-Quire-Secret sent with it; a saved one changes only with that secret or its resume code, only within the resume window after its last change (410 after), never once complete (409).",
                "parameters": [audience, { "name": "respondent_id", "in": "path", "required": true, "schema": { "type": "string" } }, secret, invitation],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": { "record": { "$ref": "#/components/schemas/Record" }, "state": { "type": "object" } }, "required": ["record", "state"] } } } },
                "responses": {
                    "200": { "description": "Saved", "content": { "application/json": { "schema": { "type": "object", "properties": { "status": { "const": "saved" }, "resume_code": { "type": "string" }, "resume_hours": { "type": ["number", "null"] } }, "required": ["status", "resume_code"] } } } },
                    "400": error, "401": error, "403": error, "404": error, "408": error, "409": error, "410": error, "413": error, "415": error, "422": error, "429": error, "503": error
                }
            } },
            "/api/{audience}/resume/{code}": { "get": {
                "operationId": "resume",
                "summary": "The saved state of a response in progress, within the resume window",
                "parameters": [audience, { "name": "code", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": {
                    "200": { "description": "The state", "content": { "application/json": { "schema": { "type": "object", "properties": { "respondent_id": { "type": "string" }, "state": {} }, "required": ["respondent_id", "state"] } } } },
                    "404": error, "410": error, "429": error, "503": error
                }
            } }
        },
        "components": { "schemas": {
            "Record": record,
            "Stored": { "type": "object", "properties": { "status": { "enum": ["stored", "duplicate"] }, "respondent_id": { "type": "string" } }, "required": ["status", "respondent_id"] },
            "Error": { "type": "object", "properties": { "error": { "type": "string" }, "problems": { "type": "array", "items": { "type": "object" } }, "database": { "type": "string" } }, "required": ["error"] }
        } }
    });
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        schemas.extend(defs);
    }
    doc
}
