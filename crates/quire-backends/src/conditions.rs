//! The distinct conditions of one output, each written once as JSON and referred to
//! elsewhere by its number, numbered in the order first met: the one table behind
//! `quire.ir.json`'s `conditions` (a condition as written and lowered, so the designer's
//! text survives) and the web form's (what the form evaluates: the lowered expression).
//! Each caller decides what the JSON holds; equal JSON is one condition.

use quire_core::FastMap;

#[derive(Debug, Default)]
pub(crate) struct Conditions {
    index: FastMap<String, usize>,
    list: Vec<String>,
}

impl Conditions {
    /// The number of the condition written as `json`: its own when first met.
    pub(crate) fn number(&mut self, json: String) -> usize {
        if let Some(&n) = self.index.get(&json) {
            return n;
        }
        let n = self.list.len();
        self.list.push(json.clone());
        self.index.insert(json, n);
        n
    }

    /// How many distinct conditions were met so far.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// The conditions' JSON, by number.
    pub(crate) fn into_list(self) -> Vec<String> {
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_json_is_one_condition_numbered_as_first_met() {
        let mut c = Conditions::default();
        assert_eq!(c.number("{\"a\":1}".into()), 0);
        assert_eq!(c.number("{\"b\":2}".into()), 1);
        assert_eq!(c.number("{\"a\":1}".into()), 0);
        assert_eq!(c.len(), 2);
        assert_eq!(c.into_list(), ["{\"a\":1}", "{\"b\":2}"]);
    }
}
