//! Quire's own words in the web form (buttons, errors, notices) and on paper (conditions in
//! words, instructions), in English, by key.
//!
//! In a questionnaire with `languages`, each of them is translated like a spec's texts: the
//! English is the PO `msgid` (`quire translations export` lists them after the spec's texts),
//! `{0}`, `{1}` stand for what the form fills in (a question number, a count), and a missing
//! translation is reported with the others. The checker resolves them into the model
//! ([`crate::model::Questionnaire::ui`]); the form reads them from there.

/// (key, English). `{n}` is filled in by the form, and must be kept by a translation.
pub const STRINGS: &[(&str, &str)] = &[
    ("skip", "Skip to the questions"),
    ("language", "Language"),
    ("problem", "There is a problem"),
    ("please_check_answers", "Please check your answers"),
    ("warning_help", "If your answer is right, select Continue again."),
    ("please_specify", "Please specify"),
    ("optional", "(optional)"),
    ("required", "(required)"),
    (
        "pilot_feedback",
        "Was anything on this page unclear or hard to answer? (optional)",
    ),
    ("review_before_sending", "Check your answers before sending them"),
    ("check_answers", "Check your answers"),
    ("not_sent", "Your answers are not sent yet"),
    ("complete", "Your answers are complete"),
    (
        "kept_here",
        "This form does not send your answers anywhere. Download them and keep the file.",
    ),
    (
        "return_to",
        "This form does not send your answers anywhere. Download them and return the file to {0}.",
    ),
    ("download_json", "Download my answers (JSON)"),
    ("download_csv", "Download my answers (CSV)"),
    ("retry", "Try sending again"),
    ("start_new", "Start a new response"),
    ("change_screen", "Change your answer"),
    ("back", "Back"),
    ("continue", "Continue"),
    ("clear", "Clear my answers"),
    ("saved", "Your answers are saved in this browser as you go."),
    (
        "saved_resume",
        "Your answers are saved in this browser as you go: you can stop at any time and come back within {0} hours to finish where you left off.",
    ),
    (
        "storage_note",
        "This browser is not saving your answers (private browsing, or its storage is full): please finish in one sitting, or download your answers at the end.",
    ),
    (
        "saved_expired",
        "Your saved answers were more than {0} hours old, so they have been cleared. Please start again.",
    ),
    (
        "changed",
        "This questionnaire has changed since you started. Your answers to {0} no longer fit it and were removed; please check them again.",
    ),
    ("select_answer", "Select an answer to {0}"),
    ("answer_rows", "Answer every row of {0}"),
    ("enter_answer", "Enter an answer to {0}"),
    (
        "decimal_comma",
        "Use a full stop for decimals in {0}, like 2.5: a comma here is not a decimal point",
    ),
    ("exponent", "Write {0} out in digits, like 1000"),
    ("whole_number", "Enter a whole number at {0}, like 12"),
    ("number", "Enter a number at {0}, like 2.5"),
    ("at_least", "Enter a number of at least {0}"),
    ("at_most", "Enter a number no more than {0}"),
    ("decimals", "Enter at most {0} decimal places"),
    (
        "date",
        "Enter a real date at {0}, with a four-digit year, like 27 3 2019",
    ),
    ("max_length", "Enter at most {0} characters"),
    ("min_selected", "Select at least {0}"),
    ("max_selected", "Select no more than {0}"),
    ("check_prefix", "Please check: {0}"),
    ("error_prefix", "Error: {0}"),
    ("title_check", "Check: {0}"),
    ("send", "Send my answers"),
    ("finish", "Finish"),
    ("page_of", "Page {0} of {1}"),
    ("finished", "Finished"),
    (
        "resume_code",
        "To continue on another device, use the code {0} or the link {1}.",
    ),
    (
        "resume_code_within",
        "To continue on another device within {0} hours, use the code {1} or the link {2}.",
    ),
    ("not_answered", "Not answered"),
    ("change", "Change"),
    ("change_aria", "Change your answer to {0}"),
    ("sending", "Sending your answers…"),
    ("thank_you", "Thank you"),
    ("sent", "Your answers have been sent. Thank you."),
    (
        "send_failed",
        "Your answers could not be sent ({0}). They are kept in this browser: try again, or download them.",
    ),
    (
        "not_sent_kept",
        "Your answers have not been sent yet. They are kept in this browser: try again, or download them.",
    ),
    ("confirm_clear", "Clear all your answers? This cannot be undone."),
    (
        "confirm_new",
        "Start a new response? These answers are cleared from this browser: download them first if you need them.",
    ),
    ("welcome_back", "Welcome back: your answers so far are restored."),
    (
        "code_expired",
        "This code has expired: the time to continue your answers has passed. Please start again.",
    ),
    (
        "code_unknown",
        "No answers were found for this code. Please check it, or start again.",
    ),
    // Conditions in words, as the paper editions print them ("Answer Q5 only if you …").
    ("w_and", "and"),
    ("w_or", "or"),
    ("w_not", "not ({0})"),
    ("w_always", "always"),
    ("w_never", "never"),
    ("w_answered", "answered {0}"),
    ("w_did_not_answer", "did not answer {0}"),
    ("w_answered_at", "answered {0} at {1}"),
    ("w_did_not_answer_at", "did not answer {0} at {1}"),
    ("w_other_than", "gave an answer other than {0}"),
    ("w_other_than_at", "gave an answer other than {0} at {1}"),
    ("w_ticked_at", "ticked {0} at {1}"),
    ("w_did_not_tick", "did not tick {0} at {1}"),
    ("w_ticked_options", "ticked {0} options at {1}"),
    ("w_yes_at", "answered “Yes” at {0}"),
    ("w_shows", "gave answers that show “{0}”"),
    ("w_at", "{0} at {1}"),
    ("w_any_row", "any row of {0}"),
    ("w_each_row", "each row of {0}"),
    ("w_any_of", "any of {0}"),
    ("w_each_of", "each of {0}"),
    ("w_row", "{0} (“{1}”)"),
    ("w_the_one_chosen", "the one chosen at {0}"),
    ("w_the_question", "the question “{0}”"),
    ("w_in_group", "are in the group {0}"),
    ("w_not_in_group", "are not in the group {0}"),
    ("w_scored", "scored {0} on the “{1}”"),
    ("w_scored_range", "scored {0} to {1} on the “{2}”"),
    ("w_for_which", "gave answers for which “{0}” is {1}"),
    ("w_for_which_range", "gave answers for which “{0}” is {1} to {2}"),
    ("w_listed_any", "listed anyone in {0} and, for them, {1}"),
    ("w_listed_all", "{0} for everyone listed in {1}"),
    ("w_listed_n", "listed {0} in {1}"),
    ("w_listed_n_who", "listed {0} in {1} and, for them, {2}"),
    ("w_rows_sum", "gave answers adding up to {0} at {1} across {2}"),
    ("w_rows_max", "gave {0} as the largest answer at {1} across {2}"),
    ("w_rows_min", "gave {0} as the smallest answer at {1} across {2}"),
    ("w_for_the_row_chosen", "{0} for the one chosen at {1}"),
    ("w_exactly", "exactly {0}"),
    ("w_other_than_n", "other than {0}"),
    ("w_fewer_than", "fewer than {0}"),
    ("w_less_than", "less than {0}"),
    ("w_more_than", "more than {0}"),
    ("w_at_most", "at most {0}"),
    ("w_at_least", "at least {0}"),
    ("w_below", "below {0}"),
    ("w_above", "above {0}"),
    ("w_date_before", "a date before {0}"),
    ("w_date_on_or_before", "a date on or before {0}"),
    ("w_date_after", "a date after {0}"),
    ("w_date_on_or_after", "a date on or after {0}"),
    // The self-completion questionnaire's own words (and the respondent's instructions in the
    // think-aloud edition).
    ("p_questionnaire", "Questionnaire"),
    ("p_how_to", "How to fill in this questionnaire"),
    (
        "p_pen",
        "Use a black or blue pen. Tick one box like this: ☒ unless the question says you can tick more.",
    ),
    (
        "p_wrong_box",
        "If you tick the wrong box, fill it in completely and tick the right one.",
    ),
    (
        "p_not_everyone",
        "Some questions are not for everyone: follow the instructions in bold, such as “Go to Q5”.",
    ),
    (
        "p_no_wrong",
        "There are no right or wrong answers. If you would rather not answer a question, leave it blank.",
    ),
    ("p_respondent_id", "Respondent ID"),
    ("p_definitions", "Definitions used in the questionnaire"),
    (
        "p_thanks",
        "Thank you for completing this questionnaire. Please return it in the envelope provided.",
    ),
    (
        "p_answer_only_if",
        "Answer {0} only if you {1}. Otherwise go to the next question.",
    ),
    (
        "p_answer_only",
        "Answer {0} only {1}. Otherwise go to the next question.",
    ),
    (
        "p_section_only_if",
        "Answer this section only if you {0}. Otherwise go to the next section.",
    ),
    ("p_read_only_if", "Read the following only if you {0}."),
    ("p_stop", "If you {0}, please stop here. {1}"),
    ("p_go_to", "Go to {0}"),
    ("p_stop_here", "Stop here"),
    ("p_go_to_end", "Go to the end"),
    ("p_go_to_list_end", "Go to the end of this list"),
    ("p_go_to_next_row", "Go on to the next one in this list"),
    ("p_list_only_if", "Answer this list only if you {0}."),
    ("p_only_if", "Only if you {0}"),
    ("p_block_if_ticked", "Answer this part only if you ticked {0} at {1}."),
    (
        "p_rows_count",
        "Fill in one for each {0} you counted at {1}, in the same order.",
    ),
    (
        "p_rows_counted_from",
        "Fill in one for each {0}, as many as your answers at {1} give.",
    ),
    (
        "p_rows_for_each",
        "Answer these questions for each option you ticked at {0}.",
    ),
    ("p_rows_list", "Answer these questions for each of the following."),
    ("p_rows_open", "Fill in one for each {0}, as many as apply."),
    (
        "p_rows_open_min",
        "Fill in one for each {0}: at least {1}, and as many as apply.",
    ),
    (
        "p_rows_room",
        "There is room for {0} here. If you need more, please ask for a continuation sheet.",
    ),
    ("p_line_number", "(line number)"),
    ("p_row_number", "Write the line number from {0}"),
    (
        "p_row_numbers",
        "Write the line numbers from {0}, one in each box, as many as apply",
    ),
    ("p_tick_one", "Tick one box"),
    ("p_tick_n", "Tick {0} boxes"),
    ("p_tick_up_to", "Tick up to {0} boxes"),
    ("p_tick_all", "Tick all that apply"),
    ("p_tick_rows", "Tick one box in each row"),
    ("p_number_range", "Write a number from {0} to {1}"),
    ("p_number", "Write a number"),
    ("p_date", "Write the date"),
    ("p_text", "Write your answer"),
    ("p_write_in", "please write in"),
    ("p_only_this", "only tick this box on its own"),
    ("p_version", "Version {0} · content {1}"),
    ("p_page", "Page {0} of {1}"),
];

/// The English of a key ("" for an unknown one).
pub fn english(key: &str) -> &'static str {
    STRINGS.iter().find(|(k, _)| *k == key).map(|(_, e)| *e).unwrap_or("")
}

/// The `{n}` slots a string uses.
pub fn slots(s: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .match_indices('{')
        .filter_map(|(i, _)| {
            let rest = &s[i + 1..];
            let end = rest.find('}')?;
            let n = &rest[..end];
            (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| n.to_string())
        })
        .collect();
    out.sort();
    out
}

/// Whether a language's form needs Quire's words translated (English needs nothing).
pub fn needs_translation(lang: &str) -> bool {
    !lang.split('-').next().unwrap_or(lang).eq_ignore_ascii_case("en")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_slots_are_numbered() {
        let mut keys: Vec<&str> = STRINGS.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), STRINGS.len());
        assert_eq!(slots("Page {0} of {1}"), ["0", "1"]);
        assert!(slots("Continue").is_empty());
        assert!(needs_translation("cy") && !needs_translation("en-GB"));
    }
}
