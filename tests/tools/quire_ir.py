#!/usr/bin/env python3
"""Reads `quire.ir.json` (format quire-ir/4) and writes the model in full: every question
in every instrument, every variable with its numbers, wording and universe, every condition
in place. A reader outside Quire, written from the rules in docs/spec.md ("The resolved
model"); the test suite compares what it writes with Quire's own model.

Usage: quire_ir.py IR.json OUT.json [IR.json OUT.json ...]
"""
import json
import sys

# Fields that hold a condition, by number into `conditions`.
CONDITION_FIELDS = {"condition", "ask_if", "end_if", "check", "when", "expr", "count"}


def conditions_in_place(v, conditions, key=None):
    if key in CONDITION_FIELDS and type(v) is int:
        return conditions[v]
    if isinstance(v, dict):
        return {k: conditions_in_place(x, conditions, k) for k, x in v.items()}
    if isinstance(v, list):
        return [conditions_in_place(x, conditions) for x in v]
    return v


def in_wording(label, audience):
    """A label for one audience: a list of wordings, or one text for all."""
    if isinstance(label, list):
        for w in label:
            if audience in w["audiences"]:
                return w["text"]
        return None
    return label


def plain(text):
    """A text's words, each piped answer as its fallback."""
    if isinstance(text, str):
        return text
    return "".join(s.get("text", s.get("fallback", "")) for s in text.get("segments", []))


def offered(choice_list, audience):
    out = []
    for o in choice_list["options"]:
        if audience not in o["audiences"]:
            continue
        asked = {k: v for k, v in o.items() if k != "audiences"}
        asked["label"] = in_wording(o["label"], audience)
        out.append(asked)
    return out


def group(audiences, value_of):
    groups = []
    for a in audiences:
        v = value_of(a)
        for g in groups:
            if g[1] == v:
                g[0].append(a)
                break
        else:
            groups.append(([a], v))
    return groups


def expand_items(items, section_id, audience, shared, lists, seen):
    """A section's (or a roster's) items in full; a roster's own items inside it."""
    out = []
    for item in items:
        if isinstance(item, str):
            # A question as `questions` has it: its id alone.
            item = {"item": "question", "id": item}
        if item.get("item") == "roster":
            item = dict(item)
            item["items"] = expand_items(item.get("items", []), section_id, audience, shared, lists, seen)
        elif item.get("item") == "question":
            q = dict(shared[item["id"]])
            for k, v in item.items():
                if v is None:
                    q.pop(k, None)
                else:
                    q[k] = v
            q.setdefault("label", plain(q["text"]))
            nxt = q.pop("next", {})
            if "options" not in q and q.get("choice_list") in lists:
                q["options"] = offered(lists[q["choice_list"]], audience)
            for o in q.get("options", []):
                if o["value"] in nxt:
                    o["next"] = nxt[o["value"]]
            seen[(q["id"], audience)] = (section_id, q)
            item = q
        out.append(item)
    return out


def expand(ir):
    conditions = ir.pop("conditions")
    ir = conditions_in_place(ir, conditions)
    lists = {l["id"]: l for l in ir["choice_lists"]}
    shared = {q["id"]: q for q in ir.pop("questions")}
    seen = {}  # (question, audience) -> (section id, question)
    for inst in ir["instruments"]:
        audience = inst["audience"]
        for section in inst["sections"]:
            section["items"] = expand_items(section.get("items", []), section["id"], audience, shared, lists, seen)
    order = [inst["audience"] for inst in ir["instruments"]]
    for var in ir["variables"]:
        var.setdefault("question", var["name"])
        if "audiences" not in var:
            var["audiences"] = [a for a in order if (var["question"], a) in seen]
        audiences = var["audiences"]
        found = [seen.get((var["question"], a)) for a in audiences]
        if not audiences or None in found:
            continue
        of = dict(zip(audiences, found))
        section, first = found[0]
        if "label" not in var:
            row = [r for r in first.get("rows", []) if r["variable"] == var["name"]]
            var["label"] = f"{first['label']}: {plain(row[0]['label'])}" if row else first["label"]
        for key in ("kind", "choice_list", "line"):
            if key not in var and key in first:
                var[key] = first[key]
        var.setdefault("section", section)
        var.setdefault("numbers", {a: of[a][1]["number"] for a in sorted(audiences)})
        if "wording" not in var:
            var["wording"] = [
                {"audiences": members, "text": text}
                for members, text in group(audiences, lambda a: of[a][1].get("text"))
            ]
        if "universe" not in var:
            var["universe"] = [
                dict(u, audiences=members)
                for members, u in group(
                    audiences,
                    lambda a: {k: of[a][1][k] for k in ("condition", "screens") if k in of[a][1]},
                )
            ]
    return ir


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit(__doc__)
    for src, dst in zip(args[::2], args[1::2]):
        with open(src, encoding="utf-8") as f:
            ir = json.load(f)
        if ir.get("format") != "quire-ir/4":
            sys.exit(f"{src}: not quire-ir/4 but {ir.get('format')!r}")
        with open(dst, "w", encoding="utf-8") as f:
            json.dump(expand(ir), f, ensure_ascii=False)


if __name__ == "__main__":
    main()
