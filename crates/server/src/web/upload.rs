//! Screening a file from the browser: a JSONL or CSV file uploaded on the screening page (a plain
//! `multipart/form-data` form, no script), each record screened as `POST /api/v1/screen` screens a batch,
//! the results as a table with the highlighted spans and red flags, and the same results as CSV or JSONL.
//!
//! **Nothing is stored.** The results page carries the records it screened in a hidden field of its
//! download form; downloading screens them again (the screener is deterministic: same registry and rules
//! version, same answer). The upload form can also ask for a file straight away.
//!
//! **Limits.** At most [`MAX_UPLOAD_BYTES`] per file and [`MAX_RECORDS`] records (the API's batch size);
//! longer files are for `pwatch screen FILE`. A body over the limit is refused with a page that says so
//! (413), before anything is read. Records are read by `pw-screen`'s own reader (the one `pwatch screen`
//! uses): a bad line is reported with its line number and the rest is screened.
//!
//! **Multipart.** The body is read whole under the route's size limit (so an over-size upload gets this
//! page's 413 rather than a torn stream), then parsed by `multer`, the parser axum's `Multipart` uses.

use std::io::Cursor;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use pw_screen::records::{Format, Options, Reader};
use serde::{Deserialize, Serialize};

use super::dashboard::csv_field;
use super::reference::{MAX_SCREEN_CHARS, highlight, spans};
use super::{Ctx, WebResult, urlenc};
use crate::{AppError, AppState};

/// Largest file accepted (bytes).
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Largest request body of the upload (the file and the form's other fields).
pub const MAX_BODY_BYTES: usize = MAX_UPLOAD_BYTES + 64 * 1024;
/// Largest request body of the download form (the records, JSON-escaped and percent-encoded).
pub const MAX_DOWNLOAD_BODY_BYTES: usize = 4 * MAX_UPLOAD_BYTES;
/// Most records screened from one file (the API's batch size).
pub const MAX_RECORDS: usize = crate::api::MAX_SCREEN_BATCH;
/// Characters of a record's text shown highlighted in the table (the download has all of it).
pub const SHOWN_CHARS: usize = 2_000;

// ------------------------------------------------------------------------------------------------------
// multipart/form-data

/// One part of a `multipart/form-data` body.
#[derive(Debug, PartialEq)]
pub(crate) struct Part {
    pub(crate) name: String,
    pub(crate) filename: Option<String>,
    pub(crate) data: Vec<u8>,
}

/// Parse a `multipart/form-data` body (RFC 7578) with `multer`, the parser behind axum's own
/// `Multipart` extractor. The body is already in memory (the route's body limit bounds it), so it is fed
/// to multer as a one-chunk stream; a malformed body is an error that says what is wrong.
pub(crate) async fn parse_multipart(content_type: &str, body: Bytes) -> Result<Vec<Part>, String> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| "the form was not sent as multipart/form-data with a boundary".to_string())?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(parts),
            Err(e) => return Err(format!("the form body is malformed: {e}")),
        };
        let name = field
            .name()
            .map(str::to_string)
            .ok_or("a part of the form has no name")?;
        let filename = field.file_name().map(str::to_string);
        let data = field
            .bytes()
            .await
            .map_err(|e| format!("part {name:?} of the form is malformed: {e}"))?;
        parts.push(Part {
            name,
            filename,
            data: data.to_vec(),
        });
    }
}

// ------------------------------------------------------------------------------------------------------
// Reading and screening records

/// A record of the file: its id and text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Item {
    id: String,
    text: String,
}

/// What was read from a file.
struct Read {
    items: Vec<Item>,
    /// Records that could not be read (line: why).
    malformed: Vec<String>,
}

fn format_of(filename: &str, chosen: &str) -> Result<Format, AppError> {
    let f = match chosen {
        "jsonl" => Format::Jsonl,
        "csv" => Format::Csv,
        _ => Format::from_path(filename),
    };
    if f == Format::Text {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_format",
            "upload a .jsonl (one JSON object per line with a \"text\" field) or a .csv file (with a \"text\" column), or choose the format",
        )
        .with_field("file"));
    }
    Ok(f)
}

fn too_many() -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the file holds more than {MAX_RECORDS} records; screen long files with pwatch screen FILE"
        ),
    )
    .with_field("file")
}

fn read_records(data: &[u8], format: Format) -> Result<Read, AppError> {
    let opts = Options {
        max_record_bytes: MAX_SCREEN_CHARS * 4,
        ..Options::default()
    };
    let mut reader = Reader::new(Cursor::new(data), format, opts);
    if reader.failed() {
        let why = reader
            .next()
            .and_then(Result::err)
            .map_or_else(|| "the file cannot be read".to_string(), |m| m.to_string());
        return Err(
            AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_file", why).with_field("file"),
        );
    }
    let mut out = Read {
        items: Vec::new(),
        malformed: Vec::new(),
    };
    for r in reader {
        match r {
            Ok(rec) => {
                let text = String::from_utf8_lossy(&rec.text).into_owned();
                if text.trim().is_empty() {
                    out.malformed
                        .push(format!("line {}: the text is empty", rec.line));
                    continue;
                }
                if out.items.len() == MAX_RECORDS {
                    return Err(too_many());
                }
                out.items.push(Item { id: rec.id, text });
            }
            Err(m) => out.malformed.push(m.to_string()),
        }
    }
    if out.items.is_empty() {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_file",
            if out.malformed.is_empty() {
                "the file holds no record to screen".to_string()
            } else {
                format!("no record could be read: {}", out.malformed.join("; "))
            },
        )
        .with_field("file"));
    }
    Ok(out)
}

async fn screen_all(
    st: &AppState,
    items: Vec<Item>,
) -> Result<Vec<(Item, pw_screen::Screening)>, AppError> {
    let screener = st.screener.clone();
    tokio::task::spawn_blocking(move || {
        let mut scratch = pw_screen::Scratch::default();
        items
            .into_iter()
            .map(|it| {
                let s = screener.screen_with(it.text.as_bytes(), &mut scratch);
                (it, s)
            })
            .collect()
    })
    .await
    .map_err(AppError::internal)
}

// ------------------------------------------------------------------------------------------------------
// Files out

/// The results as CSV: one row per record.
pub(crate) fn results_csv(results: &[(Item, pw_screen::Screening)]) -> String {
    let mut out = String::from(
        "id,label,score,substances,red_flags,cues,drugs,explanation,registry_version,rules_version\r\n",
    );
    for (it, s) in results {
        let subs: Vec<String> = s
            .substances
            .iter()
            .map(|h| format!("{} ({}) \"{}\"", h.name, h.id, h.text))
            .collect();
        let flags: Vec<String> = s
            .red_flags
            .iter()
            .map(|h| format!("{} \"{}\"", h.label, h.text))
            .collect();
        let cues: Vec<String> = s.cues.iter().map(|h| h.label.clone()).collect();
        let drugs: Vec<String> = s.drugs.iter().map(|h| h.text.clone()).collect();
        let row = [
            it.id.clone(),
            s.label.as_str().to_string(),
            format!("{:.3}", s.score),
            subs.join("; "),
            flags.join("; "),
            cues.join("; "),
            drugs.join("; "),
            s.explanation.clone(),
            s.registry_version.clone(),
            s.rules_version.clone(),
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// The results as JSONL: one `POST /api/v1/screen` result per line.
pub(crate) fn results_jsonl(
    results: Vec<(Item, pw_screen::Screening)>,
) -> Result<String, AppError> {
    let mut out = String::new();
    for (it, screening) in results {
        let line = serde_json::to_string(&crate::api::ScreenResult {
            id: it.id,
            screening,
        })
        .map_err(AppError::internal)?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

fn attachment(body: String, mime: &'static str, name: &str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

fn file_response(
    output: &str,
    results: Vec<(Item, pw_screen::Screening)>,
) -> Result<Option<Response>, AppError> {
    Ok(match output {
        "csv" => Some(attachment(
            results_csv(&results),
            "text/csv; charset=utf-8",
            "screening.csv",
        )),
        "jsonl" => Some(attachment(
            results_jsonl(results)?,
            "application/x-ndjson; charset=utf-8",
            "screening.jsonl",
        )),
        _ => None,
    })
}

// ------------------------------------------------------------------------------------------------------
// Pages

/// The upload form (on the screening page).
pub(crate) fn upload_form(ctx: &Ctx, invalid: bool) -> Markup {
    let mib = (MAX_UPLOAD_BYTES / (1024 * 1024)).to_string();
    let max = MAX_RECORDS.to_string();
    html! {
        form.card #upload action="/screen/upload" method="post" enctype="multipart/form-data" {
            h2 { (ctx.t("upload.title")) }
            (ctx.csrf_field())
            label for="file" { (ctx.t("upload.file")) span.hint { (ctx.tf("upload.file_hint", &[("mib", &mib), ("max", &max)])) } }
            input #file name="file" type="file" accept=".jsonl,.ndjson,.json,.csv,text/csv,application/x-ndjson" required aria-invalid=(if invalid { "true" } else { "false" });
            div.grid2 {
                div {
                    label for="uformat" { (ctx.t("upload.format")) }
                    select #uformat name="format" {
                        option value="auto" { (ctx.t("upload.format_auto")) }
                        option value="jsonl" { "JSONL" }
                        option value="csv" { "CSV" }
                    }
                }
                div {
                    label for="uoutput" { (ctx.t("upload.output")) }
                    select #uoutput name="output" {
                        option value="page" { (ctx.t("upload.output_page")) }
                        option value="csv" { (ctx.t("upload.output_csv")) }
                        option value="jsonl" { (ctx.t("upload.output_jsonl")) }
                    }
                }
            }
            div { button type="submit" { (ctx.t("upload.submit")) } }
        }
    }
}

fn error_page(ctx: &Ctx, e: &AppError) -> Response {
    let body = html! {
        h1 { (ctx.t("screen.title")) }
        (ctx.error_block(e))
        (upload_form(ctx, true))
        p { a href="/screen" { (ctx.t("screen.again")) } }
    };
    ctx.page_with(e.status, ctx.t("screen.title"), body)
}

fn too_large(ctx: &Ctx) -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        ctx.tf(
            "upload.too_large",
            &[("mib", &(MAX_UPLOAD_BYTES / (1024 * 1024)).to_string())],
        ),
    )
    .with_field("file")
}

/// `POST /screen/upload` (multipart): the file's records screened, as a page or a file.
pub(crate) async fn upload(
    mut ctx: Ctx,
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> WebResult {
    let body = match body {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Ok(error_page(&ctx, &too_large(&ctx)));
        }
        Err(r) => {
            return Ok(error_page(
                &ctx,
                &AppError::new(r.status(), "bad_request", r.body_text()),
            ));
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = match parse_multipart(content_type, body).await {
        Ok(p) => p,
        Err(why) => {
            // Without a readable form there is no token to check; nothing happens but this page.
            return Ok(error_page(
                &ctx,
                &AppError::new(StatusCode::BAD_REQUEST, "bad_form", why),
            ));
        }
    };
    let text_of = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.data).into_owned())
    };
    ctx.verify_public(text_of(crate::auth::CSRF_FIELD).as_deref())?;
    let format = text_of("format").unwrap_or_default();
    let output = text_of("output").unwrap_or_default();
    let Some(file) = parts
        .iter()
        .find(|p| p.name == "file")
        .filter(|p| !p.data.is_empty())
    else {
        return Ok(error_page(
            &ctx,
            &AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_file",
                ctx.t("upload.no_file"),
            )
            .with_field("file"),
        ));
    };
    if file.data.len() > MAX_UPLOAD_BYTES {
        return Ok(error_page(&ctx, &too_large(&ctx)));
    }
    let filename = file.filename.clone().unwrap_or_default();
    let read = match format_of(&filename, format.trim()).and_then(|f| read_records(&file.data, f)) {
        Ok(r) => r,
        Err(e) => return Ok(error_page(&ctx, &e)),
    };
    let malformed = read.malformed;
    let results = screen_all(&st, read.items).await.map_err(|e| ctx.fail(e))?;
    if output.trim() == "page" || output.trim().is_empty() {
        return Ok(results_page(&ctx, &filename, &malformed, &results));
    }
    match file_response(output.trim(), results) {
        Ok(Some(resp)) => Ok(resp),
        Ok(None) => Err(ctx.fail(AppError::bad("output", "page, csv or jsonl"))),
        Err(e) => Err(ctx.fail(e)),
    }
}

fn results_page(
    ctx: &Ctx,
    filename: &str,
    malformed: &[String],
    results: &[(Item, pw_screen::Screening)],
) -> Response {
    let count = |l: &str| {
        results
            .iter()
            .filter(|(_, s)| s.label.as_str() == l)
            .count()
    };
    let records: String = results
        .iter()
        .filter_map(|(it, _)| serde_json::to_string(it).ok())
        .collect::<Vec<_>>()
        .join("\n");
    let version = results
        .first()
        .map(|(_, s)| (s.registry_version.clone(), s.rules_version.clone()));
    let body = html! {
        h1 { (ctx.t("upload.result_title")) }
        p #upload-summary {
            (ctx.tf("upload.summary", &[("file", filename), ("n", &results.len().to_string())])) " "
            span.badge.label-offer { (count("offer")) " " (ctx.t("label.offer")) } " "
            span.badge.label-mention { (count("mention")) " " (ctx.t("label.mention")) } " "
            span.badge.label-benign { (count("benign")) " " (ctx.t("label.benign")) }
        }
        @if !malformed.is_empty() {
            div.alert role="status" {
                p { strong { (ctx.tf("upload.malformed", &[("n", &malformed.len().to_string())])) } }
                ul { @for m in malformed.iter().take(50) { li { (m) } } }
            }
        }
        form.card #download action="/screen/download" method="post" {
            h2 { (ctx.t("upload.download_title")) }
            (ctx.csrf_field())
            input type="hidden" name="records" value=(records);
            button type="submit" name="format" value="csv" { (ctx.t("upload.download_csv")) } " "
            button.secondary type="submit" name="format" value="jsonl" { (ctx.t("upload.download_jsonl")) }
        }
        p.legend.small {
            mark.hl-substance { (ctx.t("screen.legend_substance")) } " "
            mark.hl-flag { (ctx.t("screen.legend_flag")) } " "
            mark.hl-cue { (ctx.t("screen.legend_cue")) } " "
            mark.hl-drug { (ctx.t("screen.legend_drug")) }
        }
        div.table-wrap { table #upload-results {
            caption.visually-hidden { (ctx.t("upload.result_title")) }
            thead { tr {
                th scope="col" { (ctx.t("upload.id")) }
                th scope="col" { (ctx.t("record.state")) }
                th scope="col" { (ctx.t("screen.highlighted")) }
                th scope="col" { (ctx.t("screen.substances")) }
                th scope="col" { (ctx.t("screen.red_flags")) }
            } }
            tbody { @for (it, s) in results {
                tr {
                    td { code { (it.id) } }
                    td { span class={ "badge label-" (s.label.as_str()) } { (ctx.t(&format!("label.{}", s.label.as_str()))) }
                        br; span.muted.small { (ctx.t("screen.score")) " " (format!("{:.2}", s.score)) } }
                    td { div.screened.small {
                        @if it.text.chars().count() > SHOWN_CHARS {
                            @let cut = it.text.char_indices().nth(SHOWN_CHARS).map_or(it.text.len(), |(i, _)| i);
                            (highlight(&it.text[..cut], &spans(s))) "…"
                        } @else {
                            (highlight(&it.text, &spans(s)))
                        }
                    } }
                    td { ul.plain { @for h in &s.substances {
                        li { a href={ "/substances/" (urlenc(&h.id)) } { (h.name) } " " span.muted.small { "(" (h.tier) ")" } }
                    } } }
                    td { ul.plain { @for f in &s.red_flags {
                        li { mark.hl-flag { (f.text) } " — " (f.label) }
                    } } }
                }
            } }
        } }
        @if let Some((reg, rules)) = version {
            p.muted.small { (ctx.t("layout.registry")) " " code { (reg) } " · " (ctx.t("screen.rules")) " " code { (rules) } }
        }
        p { a href="/screen" { (ctx.t("screen.again")) } }
    };
    ctx.page(ctx.t("upload.result_title"), body)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DownloadForm {
    #[serde(default)]
    records: String,
    #[serde(default)]
    format: String,
    csrf_token: Option<String>,
}

/// `POST /screen/download`: the records of a results page screened again, as CSV or JSONL.
pub(crate) async fn download(
    mut ctx: Ctx,
    State(st): State<AppState>,
    body: Result<axum::extract::Form<DownloadForm>, axum::extract::rejection::FormRejection>,
) -> WebResult {
    let f = match body {
        Ok(axum::extract::Form(f)) => f,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Ok(error_page(&ctx, &too_large(&ctx)));
        }
        Err(r) => {
            return Ok(error_page(
                &ctx,
                &AppError::new(r.status(), "bad_request", r.body_text()),
            ));
        }
    };
    ctx.verify_public(f.csrf_token.as_deref())?;
    let mut items = Vec::new();
    for (i, line) in f
        .records
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let it: Item = serde_json::from_str(line).map_err(|e| {
            ctx.fail(
                AppError::bad("records", format!("record {}: {e}", i + 1)).with_field("records"),
            )
        })?;
        if items.len() == MAX_RECORDS {
            return Err(ctx.fail(too_many()));
        }
        items.push(it);
    }
    if items.is_empty() {
        return Err(ctx.fail(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty",
            ctx.t("upload.no_file"),
        )));
    }
    let results = screen_all(&st, items).await.map_err(|e| ctx.fail(e))?;
    let format = if f.format == "jsonl" { "jsonl" } else { "csv" };
    match file_response(format, results) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(ctx.fail(AppError::bad("format", "csv or jsonl"))),
        Err(e) => Err(ctx.fail(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=----x1";

    fn body(parts: &[(&str, Option<&str>, &str)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (name, file, data) in parts {
            b.extend_from_slice(b"------x1\r\n");
            match file {
                Some(f) => b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
                ),
                None => b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            b.extend_from_slice(data.as_bytes());
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"------x1--\r\n");
        b
    }

    fn parse(ct: &str, b: Vec<u8>) -> Result<Vec<Part>, String> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(parse_multipart(ct, Bytes::from(b)))
    }

    #[test]
    fn multipart_bodies_parse() {
        let b = body(&[
            ("csrf_token", None, "abc"),
            ("file", Some("ads.csv"), "id,text\r\n1,\"NPP, 99%\"\r\n"),
        ]);
        let parts = parse(CT, b).expect("parse");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf_token");
        assert_eq!(parts[0].data, b"abc");
        assert_eq!(parts[1].filename.as_deref(), Some("ads.csv"));
        assert_eq!(parts[1].data, b"id,text\r\n1,\"NPP, 99%\"\r\n");
        // An empty file field, a quoted boundary.
        let b = body(&[("file", Some(""), "")]);
        let parts = parse("multipart/form-data; boundary=\"----x1\"", b).expect("parse");
        assert!(parts[0].data.is_empty());
    }

    #[test]
    fn broken_multipart_is_an_error_not_a_panic() {
        for (ct, b) in [
            ("text/plain", b"x".to_vec()),
            (CT, b"no delimiter".to_vec()),
            (
                CT,
                b"------x1\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunclosed".to_vec(),
            ),
            (CT, b"------x1\r\nno headers end".to_vec()),
            (CT, b"------x1xx".to_vec()),
            (CT, b"------x1\r\n\r\n\r\ndata\r\n------x1--".to_vec()),
        ] {
            let shown = String::from_utf8_lossy(&b).into_owned();
            assert!(parse(ct, b).is_err(), "{shown:?}");
        }
    }

    #[test]
    fn records_are_read_with_line_numbers() {
        let r = read_records(
            b"{\"id\":\"a\",\"text\":\"NPP\"}\nnot json\n{\"text\":\"x\"}\n",
            Format::Jsonl,
        )
        .expect("read");
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[0].id, "a");
        assert_eq!(r.malformed.len(), 1);
        assert!(r.malformed[0].starts_with("line 2"), "{:?}", r.malformed);
        let e = read_records(b"id,body\n1,x\n", Format::Csv)
            .err()
            .expect("no text column");
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.contains("text"), "{}", e.message);
        let many: String = (0..=MAX_RECORDS)
            .map(|i| format!("{{\"text\":\"t{i}\"}}\n"))
            .collect();
        assert_eq!(
            read_records(many.as_bytes(), Format::Jsonl)
                .err()
                .map(|e| e.status),
            Some(StatusCode::PAYLOAD_TOO_LARGE)
        );
        assert!(format_of("ads.txt", "auto").is_err());
        assert_eq!(format_of("ads.txt", "csv").ok(), Some(Format::Csv));
    }
}
