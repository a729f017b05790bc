//! Export licence applications: a company applies to its national licensing authority, which approves
//! (licence number, validity) or refuses (reason); the company may withdraw while it is pending.
//!
//! ```text
//! submitted ──approve──▶ approved
//!     │ └────refuse───▶ refused
//!     └─────withdraw──▶ withdrawn
//! ```
//!
//! A change is one conditional `UPDATE … WHERE state = <expected>`: two officers acting at once cannot both
//! win, and the loser gets [`StoreError::Transition`] with the state that won and what is allowed from it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::access::{
    Arg, Listing, Page, StateChange, Viewer, Where, bind_where, country, fetch_page, text,
    transition,
};
use crate::platform::{invalid, new_id, now};
use crate::{Competence, OrgKind, Store, StoreError};

/// What a company asks for (the substance already resolved and the trade check already run by the caller).
#[derive(Debug, Clone)]
pub struct NewLicenceApplication {
    /// Registry id of the substance.
    pub substance_id: String,
    /// Its name, for display.
    pub substance_name: String,
    /// Quantity as written (`25 kg`).
    pub quantity: String,
    /// The same in kilograms, when it is a mass.
    pub quantity_kg: Option<f64>,
    /// Who receives the goods.
    pub consignee_name: String,
    /// Their address.
    pub consignee_address: String,
    /// Importing country (ISO 3166-1 alpha-2).
    pub importing_country: String,
    /// Transit countries, in order.
    pub transit_countries: Vec<String>,
    /// Declared end use.
    pub end_use: String,
    /// Expected shipment date.
    pub expected_date: NaiveDate,
    /// The trade check's report (JSON), as the API returns it.
    pub check_result: serde_json::Value,
    /// Registry version the check used.
    pub registry_version: String,
}

/// A licence application as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LicenceApplication {
    /// Identifier (`lic_…`).
    pub id: String,
    /// The applying company.
    pub applicant_org_id: String,
    /// The authority that decides.
    pub authority_org_id: String,
    /// Substance id.
    pub substance_id: String,
    /// Substance name.
    pub substance_name: String,
    /// Quantity as written.
    pub quantity: String,
    /// Quantity in kg, when a mass.
    pub quantity_kg: Option<f64>,
    /// Consignee.
    pub consignee_name: String,
    /// Consignee address.
    pub consignee_address: String,
    /// Exporting country (the applicant's).
    pub exporting_country: String,
    /// Importing country.
    pub importing_country: String,
    /// Transit countries.
    pub transit_countries: Vec<String>,
    /// End use.
    pub end_use: String,
    /// Expected shipment date.
    pub expected_date: NaiveDate,
    /// The trade check attached when the application was made (the `check` report).
    #[schema(value_type = Object)]
    pub check_result: serde_json::Value,
    /// Registry version of that check.
    pub registry_version: String,
    /// `submitted`, `approved`, `refused` or `withdrawn`.
    pub state: String,
    /// Licence number (approved).
    pub licence_number: Option<String>,
    /// Last day of validity (approved).
    pub valid_until: Option<NaiveDate>,
    /// The authority's reason (refused; optional note when approved) or the applicant's (withdrawn).
    pub decision_reason: Option<String>,
    /// Optimistic-concurrency version (1 when created, +1 per change).
    pub version: i64,
    /// The user who applied.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    applicant_org_id: String,
    authority_org_id: String,
    substance_id: String,
    substance_name: String,
    quantity: String,
    quantity_kg: Option<f64>,
    consignee_name: String,
    consignee_address: String,
    exporting_country: String,
    importing_country: String,
    transit_countries: String,
    end_use: String,
    expected_date: String,
    check_result: String,
    registry_version: String,
    state: String,
    licence_number: Option<String>,
    valid_until: Option<String>,
    decision_reason: Option<String>,
    version: i64,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(crate) fn list_of(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

pub(crate) fn stored_date(field: &str, s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Internal(format!("stored {field} {s:?} is not a date")))
}

impl TryFrom<Row> for LicenceApplication {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(LicenceApplication {
            expected_date: stored_date("expected_date", &r.expected_date)?,
            valid_until: r
                .valid_until
                .as_deref()
                .map(|d| stored_date("valid_until", d))
                .transpose()?,
            check_result: serde_json::from_str(&r.check_result)
                .map_err(|e| StoreError::Internal(format!("stored check_result: {e}")))?,
            transit_countries: list_of(&r.transit_countries),
            id: r.id,
            applicant_org_id: r.applicant_org_id,
            authority_org_id: r.authority_org_id,
            substance_id: r.substance_id,
            substance_name: r.substance_name,
            quantity: r.quantity,
            quantity_kg: r.quantity_kg,
            consignee_name: r.consignee_name,
            consignee_address: r.consignee_address,
            exporting_country: r.exporting_country,
            importing_country: r.importing_country,
            end_use: r.end_use,
            registry_version: r.registry_version,
            state: r.state,
            licence_number: r.licence_number,
            decision_reason: r.decision_reason,
            version: r.version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const COLUMNS: &str = "id, applicant_org_id, authority_org_id, substance_id, substance_name, quantity, \
    quantity_kg, consignee_name, consignee_address, exporting_country, importing_country, transit_countries, \
    end_use, expected_date, check_result, registry_version, state, licence_number, valid_until, \
    decision_reason, version, created_by, created_at, updated_at";

/// What a viewer may do with an application in its current state.
pub fn licence_actions(app: &LicenceApplication, viewer: &Viewer) -> Vec<&'static str> {
    if !viewer.may_write() || app.state != "submitted" {
        return Vec::new();
    }
    if viewer.org_id == app.applicant_org_id {
        vec!["withdraw"]
    } else if viewer.org_id == app.authority_org_id {
        vec!["approve", "refuse"]
    } else {
        Vec::new()
    }
}

/// Filters for listing applications.
#[derive(Debug, Clone, Default)]
pub struct LicenceFilter {
    /// Only this state.
    pub state: Option<String>,
    /// Only this substance id.
    pub substance_id: Option<String>,
    /// Only to this importing country.
    pub importing_country: Option<String>,
}

/// A decision on a pending application.
#[derive(Debug, Clone)]
pub enum LicenceDecision {
    /// Grant the licence.
    Approve {
        /// The licence number the authority issues.
        licence_number: String,
        /// Last day of validity.
        valid_until: NaiveDate,
        /// An optional note.
        note: Option<String>,
    },
    /// Refuse, with the reason.
    Refuse {
        /// Why.
        reason: String,
    },
    /// The applicant withdraws.
    Withdraw {
        /// Why (optional).
        reason: Option<String>,
    },
}

impl LicenceDecision {
    fn action(&self) -> &'static str {
        match self {
            LicenceDecision::Approve { .. } => "approve",
            LicenceDecision::Refuse { .. } => "refuse",
            LicenceDecision::Withdraw { .. } => "withdraw",
        }
    }
    fn to_state(&self) -> &'static str {
        match self {
            LicenceDecision::Approve { .. } => "approved",
            LicenceDecision::Refuse { .. } => "refused",
            LicenceDecision::Withdraw { .. } => "withdrawn",
        }
    }
}

/// Record a state change inside the transaction `$tx`.
macro_rules! state_change {
    ($tx:expr, $sql:ident, $entity:expr, $id:expr, $from:expr, $to:expr, $viewer:expr, $at:expr, $reason:expr) => {
        sqlx::query(&$sql(
            "INSERT INTO state_changes (entity, entity_id, from_state, to_state, actor, org_id, at, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ))
        .bind($entity)
        .bind($id)
        .bind($from)
        .bind($to)
        .bind(&$viewer.user_id)
        .bind(&$viewer.org_id)
        .bind($at)
        .bind($reason)
        .execute(&mut *$tx)
        .await?
    };
}
pub(crate) use state_change;

impl Store {
    /// A company applies for an export licence to its country's licensing authority (audited).
    pub async fn apply_for_licence(
        &self,
        new: &NewLicenceApplication,
        viewer: &Viewer,
    ) -> Result<LicenceApplication, StoreError> {
        viewer.require_kind(OrgKind::Company, None)?;
        viewer.require_write()?;
        let Some(exporting_country) = viewer.country.clone() else {
            return Err(invalid(
                "organisation",
                "your organisation has no country, so no authority to apply to: an administrator must set it",
            ));
        };
        let importing_country = country("importing_country", &new.importing_country)?;
        let transit = new
            .transit_countries
            .iter()
            .map(|c| country("transit_countries", c))
            .collect::<Result<Vec<_>, _>>()?;
        let authority = self
            .authority_for(&exporting_country, Competence::Licensing)
            .await?
            .ok_or_else(|| {
                invalid(
                    "organisation",
                    format!(
                        "no national authority competent for licensing is registered for {exporting_country}"
                    ),
                )
            })?;
        if let Some(q) = new.quantity_kg
            && !(q.is_finite() && q > 0.0)
        {
            return Err(invalid("quantity", "must be a positive amount"));
        }
        let at = now();
        let app = LicenceApplication {
            id: new_id("lic"),
            applicant_org_id: viewer.org_id.clone(),
            authority_org_id: authority,
            substance_id: text("substance", &new.substance_id, 200)?,
            substance_name: text("substance", &new.substance_name, 500)?,
            quantity: text("quantity", &new.quantity, 100)?,
            quantity_kg: new.quantity_kg,
            consignee_name: text("consignee_name", &new.consignee_name, 300)?,
            consignee_address: text("consignee_address", &new.consignee_address, 1000)?,
            exporting_country,
            importing_country,
            transit_countries: transit,
            end_use: text("end_use", &new.end_use, 2000)?,
            expected_date: new.expected_date,
            check_result: new.check_result.clone(),
            registry_version: new.registry_version.clone(),
            state: "submitted".into(),
            licence_number: None,
            valid_until: None,
            decision_reason: None,
            version: 1,
            created_by: viewer.user_id.clone(),
            created_at: at,
            updated_at: at,
        };
        let detail = serde_json::json!({ "after": &app }).to_string();
        let check = app.check_result.to_string();
        let actor = viewer.actor();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql(&format!("INSERT INTO licence_applications ({COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                         $19, $20, $21, $22, $23, $24)")))
                .bind(&app.id)
                .bind(&app.applicant_org_id)
                .bind(&app.authority_org_id)
                .bind(&app.substance_id)
                .bind(&app.substance_name)
                .bind(&app.quantity)
                .bind(app.quantity_kg)
                .bind(&app.consignee_name)
                .bind(&app.consignee_address)
                .bind(&app.exporting_country)
                .bind(&app.importing_country)
                .bind(app.transit_countries.join(","))
                .bind(&app.end_use)
                .bind(app.expected_date.to_string())
                .bind(&check)
                .bind(&app.registry_version)
                .bind(&app.state)
                .bind(&app.licence_number)
                .bind(None::<String>)
                .bind(&app.decision_reason)
                .bind(app.version)
                .bind(&app.created_by)
                .bind(app.created_at)
                .bind(app.updated_at)
                .execute(&mut *tx)
                .await?;
            state_change!(tx, sql, "licence", &app.id, None::<String>, "submitted", viewer, at, None::<String>);
            audit!(tx, sql, at, actor, "create", "licence", &app.id, &detail);
            tx.commit().await?;
        });
        Ok(app)
    }

    /// The oldest authority of a country with a competence.
    pub async fn authority_for(
        &self,
        country: &str,
        competence: Competence,
    ) -> Result<Option<String>, StoreError> {
        let rows: Vec<(String, String)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id, competences FROM organisations
                 WHERE kind = 'authority' AND country = $1 ORDER BY created_at, id"))
                .bind(country)
                .fetch_all(p)
                .await?
        });
        Ok(rows
            .into_iter()
            .find(|(_, c)| c.split(',').any(|x| x == competence.as_str()))
            .map(|(id, _)| id))
    }

    /// One application, if the viewer may see it (its applicant or its authority).
    pub async fn licence(
        &self,
        id: &str,
        viewer: &Viewer,
    ) -> Result<LicenceApplication, StoreError> {
        let row: Option<Row> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {COLUMNS} FROM licence_applications
                 WHERE id = $1 AND (applicant_org_id = $2 OR authority_org_id = $2)")))
                .bind(id)
                .bind(&viewer.org_id)
                .fetch_optional(p)
                .await?
        });
        row.map(LicenceApplication::try_from)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("no licence application {id:?}")))
    }

    /// The applications the viewer may see, newest first.
    pub async fn licences(
        &self,
        viewer: &Viewer,
        filter: &LicenceFilter,
        page: Page,
    ) -> Result<Listing<LicenceApplication>, StoreError> {
        let to = filter
            .importing_country
            .as_deref()
            .map(|c| country("importing_country", c))
            .transpose()?;
        // A company only applies and an authority only decides, so one indexed column says what it sees.
        let mut w = Where::default();
        let column = if viewer.kind == OrgKind::Authority {
            "authority_org_id"
        } else {
            "applicant_org_id"
        };
        w.and(
            |p| format!("{column} = {p}"),
            Arg::Text(viewer.org_id.clone()),
        );
        w.eq("state", filter.state.as_deref())
            .eq("substance_id", filter.substance_id.as_deref())
            .eq("importing_country", to.as_deref());
        let (total, rows): (i64, Vec<Row>) =
            fetch_page!(self, "licence_applications", COLUMNS, w, page);
        Ok(Listing {
            items: rows
                .into_iter()
                .map(LicenceApplication::try_from)
                .collect::<Result<_, _>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// Approve, refuse or withdraw a pending application (audited, with its state change). Exactly one of
    /// two concurrent decisions wins; the other gets [`StoreError::Transition`].
    pub async fn decide_licence(
        &self,
        id: &str,
        decision: &LicenceDecision,
        viewer: &Viewer,
    ) -> Result<LicenceApplication, StoreError> {
        let before = self.licence(id, viewer).await?;
        let action = decision.action();
        let may = licence_actions(&before, viewer);
        if !may.contains(&action) {
            if !viewer.may_write() {
                viewer.require_write()?;
            }
            let is_party = match decision {
                LicenceDecision::Withdraw { .. } => viewer.org_id == before.applicant_org_id,
                _ => viewer.org_id == before.authority_org_id,
            };
            if !is_party {
                return Err(StoreError::Forbidden(match decision {
                    LicenceDecision::Withdraw { .. } => {
                        "only the applicant may withdraw an application".into()
                    }
                    _ => "only the authority the application was made to may decide it".into(),
                }));
            }
            return Err(transition(
                format!("cannot {action} an application that is {}", before.state),
                &before.state,
                &may,
            ));
        }
        let (number, until, reason) = match decision {
            LicenceDecision::Approve {
                licence_number,
                valid_until,
                note,
            } => {
                if *valid_until < before.expected_date {
                    return Err(invalid(
                        "valid_until",
                        format!(
                            "{valid_until} is before the expected shipment date {}",
                            before.expected_date
                        ),
                    ));
                }
                (
                    Some(text("licence_number", licence_number, 100)?),
                    Some(valid_until.to_string()),
                    note.as_deref()
                        .filter(|n| !n.trim().is_empty())
                        .map(|n| text("note", n, 2000))
                        .transpose()?,
                )
            }
            LicenceDecision::Refuse { reason } => (None, None, Some(text("reason", reason, 2000)?)),
            LicenceDecision::Withdraw { reason } => (
                None,
                None,
                reason
                    .as_deref()
                    .filter(|n| !n.trim().is_empty())
                    .map(|n| text("reason", n, 2000))
                    .transpose()?,
            ),
        };
        let to = decision.to_state();
        let at = now();
        let actor = viewer.actor();
        let detail = serde_json::json!({
            "before": { "state": &before.state, "version": before.version },
            "after": { "state": to, "licence_number": &number, "valid_until": &until, "reason": &reason },
        })
        .to_string();
        let won: bool = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(&sql("UPDATE licence_applications
                 SET state = $1, licence_number = $2, valid_until = $3, decision_reason = $4,
                     version = version + 1, updated_at = $5
                 WHERE id = $6 AND state = 'submitted'"))
                .bind(to)
                .bind(&number)
                .bind(&until)
                .bind(&reason)
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                state_change!(tx, sql, "licence", id, Some(before.state.as_str()), to, viewer, at, &reason);
                audit!(tx, sql, at, actor, action, "licence", id, &detail);
                tx.commit().await?;
                true
            } else {
                tx.rollback().await?;
                false
            }
        });
        let after = self.licence(id, viewer).await?;
        if !won {
            return Err(transition(
                format!(
                    "cannot {action}: the application changed meanwhile and is now {}",
                    after.state
                ),
                &after.state,
                &licence_actions(&after, viewer),
            ));
        }
        Ok(after)
    }

    /// The state history of a record (`licence` or `notification`), oldest first. The caller has already
    /// checked that the viewer may see the record.
    pub async fn history(&self, entity: &str, id: &str) -> Result<Vec<StateChange>, StoreError> {
        type HistRow = (
            Option<String>,
            String,
            String,
            String,
            DateTime<Utc>,
            Option<String>,
        );
        let rows: Vec<HistRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT from_state, to_state, actor, org_id, at, reason FROM state_changes
                 WHERE entity = $1 AND entity_id = $2 ORDER BY seq"))
                .bind(entity)
                .bind(id)
                .fetch_all(p)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| StateChange {
                from: r.0,
                to: r.1,
                actor: r.2,
                org_id: r.3,
                at: r.4,
                reason: r.5,
            })
            .collect())
    }
}

impl Store {
    /// The importing country of a licence application, without a tenant check: used only to pick the
    /// default reply deadline before [`Store::send_notification`] checks the caller may use the licence.
    pub async fn licence_importing_country(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT importing_country FROM licence_applications WHERE id = $1"))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(|r| r.0))
    }
}
