//! The licence → notification flow on either database: tenant rules, state machines, races, history and
//! audit. Run from `lib.rs` tests on SQLite and PostgreSQL.

use chrono::NaiveDate;

use crate::{
    Actor, Competence, LicenceDecision, LicenceFilter, NewLicenceApplication, NewNotification,
    NewOrganisation, NewUser, NotificationFilter, OrgKind, Page, PenAction, Role, Store,
    StoreError, Viewer,
};

fn cli() -> Actor {
    Actor {
        id: "cli:test".into(),
        org_id: None,
    }
}

async fn org(store: &Store, kind: OrgKind, country: &str, competences: &[Competence]) -> String {
    store
        .create_organisation(
            &NewOrganisation {
                kind,
                name: format!("{kind} {country} {}", uuid::Uuid::new_v4().simple()),
                country: Some(country.into()),
                competences: competences.to_vec(),
            },
            &cli(),
        )
        .await
        .expect("organisation")
        .id
}

/// A new user of `org_id` with `role`, as a viewer.
async fn viewer(store: &Store, org_id: &str, role: Role) -> Viewer {
    let user = store
        .create_user(
            &NewUser {
                org_id: org_id.into(),
                email: format!("u{}@example.org", uuid::Uuid::new_v4().simple()),
                password: "a long enough password".into(),
                role,
            },
            &cli(),
        )
        .await
        .expect("user");
    let org = store
        .organisation(org_id)
        .await
        .expect("read")
        .expect("org");
    Viewer::new(&user, &org)
}

fn application(to: &str) -> NewLicenceApplication {
    NewLicenceApplication {
        substance_id: "npp".into(),
        substance_name: "N-phenethyl-4-piperidone (NPP)".into(),
        quantity: "25 kg".into(),
        quantity_kg: Some(25.0),
        consignee_name: "Farmacéutica Ejemplo S.A. de C.V.".into(),
        consignee_address: "Av. Ejemplo 1, Ciudad de México".into(),
        importing_country: to.into(),
        transit_countries: vec!["US".into()],
        end_use: "Reference standard for a licensed laboratory".into(),
        expected_date: NaiveDate::from_ymd_opt(2027, 1, 15).expect("date"),
        check_result: serde_json::json!({"decision": "conditional"}),
        registry_version: "sha256:test".into(),
    }
}

fn is_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::NotFound(_)))
}

pub(crate) async fn exercise(store: &Store) {
    // Countries of this run: the authorities that will act are whichever the store picks for them (the
    // oldest competent one), so the test also holds on a database other tests have written to.
    org(
        store,
        OrgKind::Authority,
        "CN",
        &[Competence::Licensing, Competence::Pen],
    )
    .await;
    org(store, OrgKind::Authority, "MX", &[Competence::Pen]).await;
    org(store, OrgKind::Authority, "US", &[Competence::Pen]).await;
    let cn_id = store
        .authority_for("CN", Competence::Licensing)
        .await
        .expect("q")
        .expect("cn");
    let cn_pen_id = store
        .authority_for("CN", Competence::Pen)
        .await
        .expect("q")
        .expect("cn pen");
    let mx_id = store
        .authority_for("MX", Competence::Pen)
        .await
        .expect("q")
        .expect("mx");
    let us_id = store
        .authority_for("US", Competence::Pen)
        .await
        .expect("q")
        .expect("us");
    let company_id = org(store, OrgKind::Company, "CN", &[]).await;
    let rival_id = org(store, OrgKind::Company, "CN", &[]).await;

    let company = viewer(store, &company_id, Role::Officer).await;
    let company_ro = viewer(store, &company_id, Role::ReadOnly).await;
    let rival = viewer(store, &rival_id, Role::Admin).await;
    let cn = viewer(store, &cn_id, Role::Officer).await;
    let cn_pen = viewer(store, &cn_pen_id, Role::Officer).await;
    let mx = viewer(store, &mx_id, Role::Officer).await;
    let mx_ro = viewer(store, &mx_id, Role::ReadOnly).await;
    let mx2 = viewer(store, &mx_id, Role::Admin).await;
    let us = viewer(store, &us_id, Role::Officer).await;

    // Only companies apply, and only officers/admins.
    assert!(matches!(
        store.apply_for_licence(&application("MX"), &cn).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store
            .apply_for_licence(&application("MX"), &company_ro)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    match store
        .apply_for_licence(&application("mexico"), &company)
        .await
    {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "importing_country"),
        other => panic!("expected invalid importing_country, got {other:?}"),
    }
    let lic = store
        .apply_for_licence(&application("mx"), &company)
        .await
        .expect("apply");
    assert_eq!(lic.state, "submitted");
    assert_eq!(lic.authority_org_id, cn_id);
    assert_eq!(lic.importing_country, "MX");

    // Seen by the applicant and its authority only.
    assert_eq!(store.licence(&lic.id, &company).await.expect("own"), lic);
    assert_eq!(store.licence(&lic.id, &cn).await.expect("authority"), lic);
    for other in [&rival, &mx, &us] {
        assert!(is_not_found(store.licence(&lic.id, other).await));
        let list = store
            .licences(other, &LicenceFilter::default(), Page::default())
            .await
            .expect("list");
        assert!(list.items.iter().all(|l| l.id != lic.id));
    }
    let mine = store
        .licences(
            &company,
            &LicenceFilter {
                state: Some("submitted".into()),
                ..LicenceFilter::default()
            },
            Page::default(),
        )
        .await
        .expect("list");
    assert_eq!(mine.total, 1);
    assert_eq!(crate::licence_actions(&lic, &company), vec!["withdraw"]);
    assert_eq!(crate::licence_actions(&lic, &cn), vec!["approve", "refuse"]);

    // The applicant cannot approve; an outsider cannot even see it.
    let approve = LicenceDecision::Approve {
        licence_number: "CN-EXP-2026-0001".into(),
        valid_until: NaiveDate::from_ymd_opt(2027, 6, 30).expect("date"),
        note: None,
    };
    assert!(matches!(
        store.decide_licence(&lic.id, &approve, &company).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(is_not_found(
        store.decide_licence(&lic.id, &approve, &rival).await
    ));
    let early = LicenceDecision::Approve {
        licence_number: "X".into(),
        valid_until: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        note: None,
    };
    assert!(matches!(
        store.decide_licence(&lic.id, &early, &cn).await,
        Err(StoreError::Invalid { field, .. }) if field == "valid_until"
    ));
    // A notification needs an approved licence.
    let from_licence = NewNotification {
        licence_id: Some(lic.id.clone()),
        substance_id: String::new(),
        substance_name: String::new(),
        quantity: String::new(),
        quantity_kg: None,
        exporter_name: String::new(),
        consignee_name: String::new(),
        consignee_address: String::new(),
        importing_country: String::new(),
        transit_countries: vec![],
        expected_date: NaiveDate::MIN,
    };
    let default = crate::DeadlineDefault {
        days: 15,
        basis: "platform default".into(),
    };
    assert!(matches!(
        store
            .send_notification(&from_licence, &default, &cn_pen)
            .await,
        Err(StoreError::Transition { .. })
    ));

    // Two officers of the authority decide at once: exactly one wins.
    let refuse = LicenceDecision::Refuse {
        reason: "End use not substantiated".into(),
    };
    let cn2 = viewer(store, &cn_id, Role::Admin).await;
    let (a, b) = tokio::join!(
        store.decide_licence(&lic.id, &approve, &cn),
        store.decide_licence(&lic.id, &refuse, &cn2)
    );
    let winners = [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count();
    assert_eq!(winners, 1, "exactly one decision wins: {a:?} / {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert!(matches!(loser, Err(StoreError::Transition { .. })));
    let decided = store.licence(&lic.id, &company).await.expect("read");
    if decided.state == "refused" {
        // The race went to the refusal; approve a fresh application for the rest of the flow.
        assert_eq!(
            decided.decision_reason.as_deref(),
            Some("End use not substantiated")
        );
    }
    let lic = if decided.state == "approved" {
        decided
    } else {
        let again = store
            .apply_for_licence(&application("MX"), &company)
            .await
            .expect("apply");
        store
            .decide_licence(&again.id, &approve, &cn)
            .await
            .expect("approve")
    };
    assert_eq!(lic.state, "approved");
    assert_eq!(lic.licence_number.as_deref(), Some("CN-EXP-2026-0001"));
    assert!(matches!(
        store.decide_licence(&lic.id, &refuse, &cn).await,
        Err(StoreError::Transition { current, allowed, .. }) if current == "approved" && allowed.is_empty()
    ));
    let history = store.history("licence", &lic.id).await.expect("history");
    assert_eq!(
        history.iter().map(|h| h.to.as_str()).collect::<Vec<_>>(),
        ["submitted", "approved"]
    );

    // Only a PEN authority of the exporting country sends, and only to another country.
    let with = NewNotification {
        licence_id: Some(lic.id.clone()),
        ..from_licence.clone()
    };
    assert!(matches!(
        store.send_notification(&with, &default, &mx).await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.send_notification(&with, &default, &company).await,
        Err(StoreError::Forbidden(_))
    ));
    let pen = store
        .send_notification(&with, &default, &cn_pen)
        .await
        .expect("send");
    assert_eq!(pen.state, "sent");
    assert_eq!(pen.importing_org_id, mx_id);
    assert_eq!(pen.substance_id, "npp");
    assert_eq!(pen.quantity_kg, Some(25.0));
    assert_eq!((pen.deadline_at - pen.created_at).num_days(), 15);
    assert!(pen.deadline_basis.contains("platform default"));
    assert!(!pen.exporter_name.is_empty(), "filled from the applicant");

    // Inbox of the importer, outbox of the exporter, nothing for anyone else.
    let inbox = store
        .notifications(
            &mx,
            &NotificationFilter {
                mailbox: Some("inbox".into()),
                ..NotificationFilter::default()
            },
            Page::default(),
        )
        .await
        .expect("inbox");
    assert!(inbox.items.iter().any(|n| n.id == pen.id));
    let outbox_of_mx = store
        .notifications(
            &mx,
            &NotificationFilter {
                mailbox: Some("outbox".into()),
                ..NotificationFilter::default()
            },
            Page::default(),
        )
        .await
        .expect("outbox");
    assert!(outbox_of_mx.items.iter().all(|n| n.id != pen.id));
    for other in [&us, &company, &rival] {
        assert!(is_not_found(store.notification(&pen.id, other).await));
        let r = store
            .act_on_notification(&pen.id, &PenAction::Object { reason: "x".into() }, other)
            .await;
        assert!(is_not_found(r), "{other:?} must not act");
    }
    // The exporter cannot reply to its own notification; a read-only importer cannot reply.
    assert!(matches!(
        store
            .act_on_notification(&pen.id, &PenAction::NoObjection { note: None }, &cn_pen)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store
            .act_on_notification(&pen.id, &PenAction::NoObjection { note: None }, &mx_ro)
            .await,
        Err(StoreError::Forbidden(_))
    ));

    // Ask, answer, then two officers reply at once: exactly one wins.
    let asked = store
        .act_on_notification(
            &pen.id,
            &PenAction::RequestInfo {
                question: "Name the end user's licence".into(),
            },
            &mx,
        )
        .await
        .expect("ask");
    assert_eq!(asked.state, "info_requested");
    assert!(matches!(
        store
            .act_on_notification(&pen.id, &PenAction::NoObjection { note: None }, &mx)
            .await,
        Err(StoreError::Transition { current, .. }) if current == "info_requested"
    ));
    store
        .act_on_notification(
            &pen.id,
            &PenAction::Answer {
                answer: "Licence SSA-123".into(),
            },
            &cn_pen,
        )
        .await
        .expect("answer");
    let object = PenAction::Object {
        reason: "Consignee unknown to the importing authority".into(),
    };
    let (a, b) = tokio::join!(
        store.act_on_notification(&pen.id, &object, &mx),
        store.act_on_notification(&pen.id, &PenAction::NoObjection { note: None }, &mx2)
    );
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count(),
        1,
        "exactly one reply wins: {a:?} / {b:?}"
    );
    let replied = store.notification(&pen.id, &cn_pen).await.expect("read");
    assert!(["objection", "no_objection"].contains(&replied.state.as_str()));
    assert!(replied.replied_at.is_some());
    let history = store.history("notification", &pen.id).await.expect("h");
    assert_eq!(
        history.iter().map(|h| h.to.as_str()).collect::<Vec<_>>()[..3],
        ["sent", "info_requested", "sent"]
    );
    assert_eq!(
        history[1].reason.as_deref(),
        Some("Name the end user's licence")
    );
    assert_eq!(history[1].org_id, mx_id);

    // The applicant sees the outcome on its application.
    let of_licence = store.notifications_of_licence(&lic.id).await.expect("pens");
    assert_eq!(of_licence.len(), 1);
    assert_eq!(of_licence[0].state, replied.state);

    // Overdue: a notification past its deadline is listed as such.
    let late = store
        .send_notification(&with, &default, &cn_pen)
        .await
        .expect("send");
    on_db!(store, p, sql => {
        sqlx::query(&sql("UPDATE notifications SET deadline_at = $1 WHERE id = $2"))
            .bind(chrono::Utc::now() - chrono::Duration::days(1))
            .bind(&late.id)
            .execute(p)
            .await
            .expect("backdate");
    });
    let overdue = store
        .notifications(
            &cn_pen,
            &NotificationFilter {
                overdue: true,
                ..NotificationFilter::default()
            },
            Page::default(),
        )
        .await
        .expect("overdue");
    assert!(overdue.items.iter().any(|n| n.id == late.id && n.overdue));
    assert!(overdue.items.iter().all(|n| n.id != pen.id));

    // The importing authority's own deadline wins over the default.
    store
        .set_pen_response_days(Some(30), &mx2)
        .await
        .expect("set days");
    assert!(matches!(
        store.set_pen_response_days(Some(0), &mx2).await,
        Err(StoreError::Invalid { .. })
    ));
    let thirty = store
        .send_notification(&with, &default, &cn_pen)
        .await
        .expect("send");
    assert_eq!((thirty.deadline_at - thirty.created_at).num_days(), 30);
    assert!(thirty.deadline_basis.contains("importing authority"));
    store
        .set_pen_response_days(None, &mx2)
        .await
        .expect("reset");

    // Every change is in the audit log with its actor.
    let audit = store.audit_log(0, 100_000).await.expect("audit");
    for (entity, id) in [("licence", &lic.id), ("notification", &pen.id)] {
        assert!(
            audit
                .iter()
                .any(|e| e.entity == entity && &e.entity_id == id && e.action == "create"),
            "{entity} create audited"
        );
    }
    assert!(
        audit
            .iter()
            .any(|e| e.entity_id == pen.id && e.action == "request_info" && e.actor == mx.user_id)
    );
    // History rows cannot be rewritten.
    let rewrite: Result<u64, sqlx::Error> = on_db!(store, p, sql => {
        sqlx::query(&sql("UPDATE state_changes SET reason = 'rewritten' WHERE entity_id = $1"))
            .bind(&pen.id)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
    });
    assert!(rewrite.is_err(), "state_changes is append-only");
}
