//! One connection, as the store's transactions use it: a statement with its parameters in,
//! a count or typed rows out, on SQLite or PostgreSQL alike. Each transaction of the store is
//! written once, as an `async fn` over [`Db`]; only where it begins and ends differs per
//! database (SQLite's savepoints inside a group commit, PostgreSQL's transactions on a pooled
//! connection).
//!
//! SQLite's side never waits: its futures are ready on their first poll, and [`ready`] runs
//! them to the end on the thread that holds the connection.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use deadpool_postgres::GenericClient;
use rusqlite::OptionalExtension;

use super::{Error, lite, pg};

/// A statement parameter both databases take.
pub(super) trait Param: Sync {
    /// As SQLite binds it.
    fn lite(&self) -> &dyn rusqlite::ToSql;
    /// As PostgreSQL binds it.
    fn pg(&self) -> &(dyn tokio_postgres::types::ToSql + Sync);
}

impl<T: rusqlite::ToSql + tokio_postgres::types::ToSql + Sync> Param for T {
    fn lite(&self) -> &dyn rusqlite::ToSql {
        self
    }
    fn pg(&self) -> &(dyn tokio_postgres::types::ToSql + Sync) {
        self
    }
}

/// A column value both databases give.
pub(super) trait Cell: Sized {
    fn lite(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self>;
    fn pg(row: &tokio_postgres::Row, i: usize) -> Result<Self, tokio_postgres::Error>;
}

macro_rules! cells {
    ($($t:ty),*) => {$(
        impl Cell for $t {
            fn lite(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
                row.get(i)
            }
            fn pg(row: &tokio_postgres::Row, i: usize) -> Result<Self, tokio_postgres::Error> {
                row.try_get(i)
            }
        }
    )*};
}
cells!(String, Option<String>, Option<f64>);

/// An integer: SQLite has one kind; PostgreSQL's `COUNT(*)` is a `bigint`, a literal `1`
/// an `integer`.
impl Cell for i64 {
    fn lite(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        row.get(i)
    }
    fn pg(row: &tokio_postgres::Row, i: usize) -> Result<Self, tokio_postgres::Error> {
        row.try_get::<_, i64>(i)
            .or_else(|_| row.try_get::<_, i32>(i).map(i64::from))
    }
}

/// A row read into a tuple of [`Cell`]s.
pub(super) trait FromRow: Sized {
    fn lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
    fn pg(row: &tokio_postgres::Row) -> Result<Self, tokio_postgres::Error>;
}

macro_rules! rows {
    ($(($($t:ident $i:tt),+)),*) => {$(
        impl<$($t: Cell),+> FromRow for ($($t,)+) {
            fn lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($($t::lite(row, $i)?,)+))
            }
            fn pg(row: &tokio_postgres::Row) -> Result<Self, tokio_postgres::Error> {
                Ok(($($t::pg(row, $i)?,)+))
            }
        }
    )*};
}
rows!((A 0), (A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3), (A 0, B 1, C 2, D 3, E 4));

/// One connection (or transaction on it): every statement prepared once and cached.
pub(super) trait Db {
    /// Runs a statement; the rows it changed.
    async fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, Error>;
    /// The first row a query gives, if any.
    async fn query_opt<R: FromRow>(&self, sql: &str, params: &[&dyn Param]) -> Result<Option<R>, Error>;
    /// Every row a query gives.
    async fn query<R: FromRow>(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<R>, Error>;
    /// Runs statements with no parameters (a migration).
    async fn batch(&self, sql: &str) -> Result<(), Error>;

    /// The one row a query gives (a count): none is an error.
    async fn query_one<R: FromRow>(&self, sql: &str, params: &[&dyn Param]) -> Result<R, Error> {
        self.query_opt(sql, params)
            .await?
            .ok_or_else(|| Error::other("a query that gives one row gave none"))
    }
}

/// SQLite, on the thread holding its connection.
pub(super) struct Lite<'c>(pub(super) &'c rusqlite::Connection);

impl Db for Lite<'_> {
    async fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, Error> {
        let mut st = self.0.prepare_cached(sql).map_err(lite)?;
        let n = st
            .execute(rusqlite::params_from_iter(params.iter().map(|p| p.lite())))
            .map_err(lite)?;
        Ok(n as u64)
    }

    async fn query_opt<R: FromRow>(&self, sql: &str, params: &[&dyn Param]) -> Result<Option<R>, Error> {
        let mut st = self.0.prepare_cached(sql).map_err(lite)?;
        st.query_row(rusqlite::params_from_iter(params.iter().map(|p| p.lite())), |row| {
            R::lite(row)
        })
        .optional()
        .map_err(lite)
    }

    async fn query<R: FromRow>(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<R>, Error> {
        let mut st = self.0.prepare_cached(sql).map_err(lite)?;
        st.query_map(rusqlite::params_from_iter(params.iter().map(|p| p.lite())), |row| {
            R::lite(row)
        })
        .map_err(lite)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(lite)
    }

    async fn batch(&self, sql: &str) -> Result<(), Error> {
        self.0.execute_batch(sql).map_err(lite)
    }
}

/// PostgreSQL: a pooled connection, or a transaction on one.
pub(super) struct Pg<'c, C>(pub(super) &'c C);

fn pg_params<'p>(params: &'p [&dyn Param]) -> Vec<&'p (dyn tokio_postgres::types::ToSql + Sync)> {
    params.iter().map(|p| p.pg()).collect()
}

impl<C: GenericClient> Db for Pg<'_, C> {
    async fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, Error> {
        let st = self.0.prepare_cached(sql).await.map_err(pg)?;
        self.0.execute(&st, &pg_params(params)).await.map_err(pg)
    }

    async fn query_opt<R: FromRow>(&self, sql: &str, params: &[&dyn Param]) -> Result<Option<R>, Error> {
        let st = self.0.prepare_cached(sql).await.map_err(pg)?;
        match self.0.query_opt(&st, &pg_params(params)).await.map_err(pg)? {
            Some(row) => R::pg(&row).map(Some).map_err(pg),
            None => Ok(None),
        }
    }

    async fn query<R: FromRow>(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<R>, Error> {
        let st = self.0.prepare_cached(sql).await.map_err(pg)?;
        let rows = self.0.query(&st, &pg_params(params)).await.map_err(pg)?;
        rows.iter().map(|row| R::pg(row).map_err(pg)).collect()
    }

    async fn batch(&self, sql: &str) -> Result<(), Error> {
        self.0.batch_execute(sql).await.map_err(pg)
    }
}

/// Runs a transaction over [`Lite`] to its end, here: nothing in it waits.
pub(super) fn ready<T>(f: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result,
        Poll::Pending => Err(Error::other("a SQLite statement waited, which it never does")),
    }
}
