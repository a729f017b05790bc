//! Dates in registry files: TOML dates (`effective = 2020-05-15`) or strings (`"2020-05-15"`), nothing else.

/// `#[serde(with = "opt_date")]` for `Option<NaiveDate>`.
pub mod opt_date {
    use chrono::NaiveDate;
    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt;

    struct DateVisitor;

    fn from_text<E: de::Error>(s: &str) -> Result<NaiveDate, E> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            E::custom(format!(
                "bad date {s:?}: write an ISO date YYYY-MM-DD (prose goes in notes)"
            ))
        })
    }

    impl<'de> Visitor<'de> for DateVisitor {
        type Value = Option<NaiveDate>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an ISO date YYYY-MM-DD")
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            from_text(s).map(Some)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let dt =
                toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
            if dt.time.is_some() || dt.offset.is_some() {
                return Err(de::Error::custom(format!(
                    "bad date {dt}: write a date without a time"
                )));
            }
            from_text(&dt.to_string()).map(Some)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(DateVisitor)
        }
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        d.deserialize_any(DateVisitor)
    }

    /// Serialize as `YYYY-MM-DD` or null.
    pub fn serialize<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.collect_str(&d.format("%Y-%m-%d")),
            None => s.serialize_none(),
        }
    }
}
