//! Test data in one call: routed responses and the raw answers behind them, from the
//! simulator's defaults. For the tests and the benchmarks (the `test-support` feature);
//! a tool makes its data with [`super::simulate`] and options of its own.

use super::Cell;
use super::simulate;
use crate::model::Questionnaire;

/// Synthetic responses that honour the routing: `n` respondents spread over the audiences,
/// answers drawn at random (deterministic for a `seed`), some left blank, a few screened out
/// ([`super::simulate::simulate`] with its default rates).
pub fn synthetic(model: &Questionnaire, n: usize, seed: u64) -> Vec<Vec<Cell>> {
    let opts = simulate::Options {
        n,
        seed,
        ..simulate::Options::default()
    };
    simulate::records(model, &opts)
}

/// The raw answers behind [`synthetic`]: what respondents entered, before routing.
pub fn synthetic_answers(model: &Questionnaire, n: usize, seed: u64) -> Vec<(String, crate::eval::AnswerMap)> {
    let opts = simulate::Options {
        n,
        seed,
        ..simulate::Options::default()
    };
    simulate::simulate(model, &opts)
        .into_iter()
        .map(|r| (r.id, r.answers))
        .collect()
}
