//! `report.html`: one self-contained page per experiment (no network: PNGs are inlined as
//! base64 data URIs), with the plots, the best-K table, the summary, the failed cells, the grid
//! that was run and the run's metadata.

use std::{
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use clusterlab_metrics::select::{Criterion, Direction};

use crate::{
    companions,
    error::{PlotError, Result},
    plots_of,
    results::{ExperimentFile, Table},
};

const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1250px;margin:2em auto;\
padding:0 1em;color:#222;line-height:1.45}\
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}\
figcaption{color:#555;font-size:.9em}\
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}\
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}\
th{background:#f4f4f4}td.t,th.t{text-align:left}tr:nth-child(even) td{background:#fafafa}\
.scroll{overflow-x:auto}pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:.85em}\
.muted{color:#666}.err{color:#a00}";

/// Writes `dir/report.html` from the results folder and the plots already drawn in
/// `dir/plots/`; returns its path. Missing optional files (best_k.csv, meta.json, plots) leave
/// their section out with a note; only a missing or unreadable runs.csv or summary.csv is
/// shown as an error in the page, and only a failure to write the page is an `Err`.
pub fn write_report(dir: &Path) -> Result<PathBuf> {
    let experiment = ExperimentFile::read(dir).unwrap_or_default();
    let name = experiment.name.clone().unwrap_or_else(|| {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "experiment".into())
    });
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · clusterlab</title><style>{CSS}</style></head><body>\n<h1>{}</h1>\n",
        esc(&name),
        esc(&name)
    );
    if let Some(d) = &experiment.description {
        let _ = writeln!(html, "<p>{}</p>", esc(d));
    }
    html.push_str("<p class=\"muted\">Drawn from the results folder by <code>clusterlab plot</code>; every number below is in its CSV files.</p>\n");

    html.push_str("<h2>Best K</h2>\n");
    let best = dir.join("best_k.csv");
    if best.exists() {
        html.push_str(&verdicts(dir));
        html.push_str(&csv_table(&best));
    } else {
        html.push_str("<p class=\"muted\">No best_k.csv in this folder.</p>\n");
    }

    html.push_str("<h2>Plots</h2>\n");
    html.push_str(&plots_section(dir));

    html.push_str("<h2>Summary over seeds</h2>\n");
    html.push_str(&csv_table(&dir.join("summary.csv")));

    html.push_str(&failed_section(dir));

    html.push_str("<h2>The grid that was run</h2>\n");
    if experiment.text.is_empty() {
        html.push_str("<p class=\"muted\">No experiment.toml in this folder.</p>\n");
    } else {
        let _ = writeln!(
            html,
            "<p class=\"muted\">experiment.toml</p><pre>{}</pre>",
            esc(&experiment.text)
        );
    }
    if let Ok(meta) = fs::read_to_string(dir.join("meta.json")) {
        let pretty = serde_json::from_str::<serde_json::Value>(&meta)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(meta);
        let _ = writeln!(
            html,
            "<h2>Run</h2><p class=\"muted\">meta.json</p><pre>{}</pre>",
            esc(&pretty)
        );
    }
    html.push_str("</body></html>\n");

    let path = dir.join("report.html");
    fs::write(&path, html).map_err(|source| PlotError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Every PNG under `plots/`: the experiment's plots first, in their order, each followed by
/// its companion when it was drawn, then any other.
/// One line per model and group above the best-K table: the vote and its tally, the elbow
/// next to the best silhouette (or that the inertia has no knee), and the sign convention of
/// the information criteria when the table has them.
fn verdicts(dir: &Path) -> String {
    let Ok(rows) =
        clusterlab_experiment::schema::Columns::read(dir).and_then(|c| c.read_best_k(dir))
    else {
        return String::new();
    };
    let k = |k: Option<usize>| k.map_or_else(|| "none".to_owned(), |k| format!("K = {k}"));
    let mut out = String::from("<ul>\n");
    let mut groups: Vec<(&str, Option<&str>, &str)> = Vec::new();
    for r in &rows {
        let key = (r.model.as_str(), r.data_id.as_deref(), r.group.as_str());
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    for (model, data_id, group) in &groups {
        let of: Vec<&clusterlab_experiment::schema::BestKRow> = rows
            .iter()
            .filter(|r| r.model == *model && r.data_id.as_deref() == *data_id && r.group == *group)
            .collect();
        let pick = |c: &str| of.iter().find(|r| r.criterion == c);
        let mut parts: Vec<String> = Vec::new();
        if let Some(v) = pick("vote") {
            let criteria: Vec<_> = of.iter().filter(|r| r.criterion != "vote").collect();
            let agreeing = criteria
                .iter()
                .filter(|r| r.best_k.is_some() && r.best_k == v.best_k)
                .count();
            parts.push(format!(
                "<b>the vote picks {}</b> ({agreeing} of {} criteria)",
                k(v.best_k),
                criteria.len()
            ));
        }
        if let Some(e) = pick("elbow") {
            parts.push(match e.best_k {
                Some(_) => format!("the elbow of the inertia is at {}", k(e.best_k)),
                None => "the inertia has <b>no knee</b> (kneedle finds no point above the \
                         chord: no elbow is invented)"
                    .to_owned(),
            });
        }
        if let Some(sil) = pick("silhouette") {
            parts.push(format!("the best silhouette is at {}", k(sil.best_k)));
        }
        // The criteria that read a K the model found itself (X-means, G-means, the
        // variational mixture's effective K).
        let found_k = Criterion::ALL
            .into_iter()
            .filter(|c| c.direction() == Direction::Found)
            .map(Criterion::name);
        for found in found_k {
            if let Some(f) = pick(found) {
                parts.push(format!("{found} found {}", k(f.best_k)));
            }
        }
        let none: Vec<&str> = of
            .iter()
            .filter(|r| r.best_k.is_none() && r.criterion != "elbow")
            .map(|r| r.criterion.as_str())
            .collect();
        if !none.is_empty() {
            parts.push(format!("no clear optimum: {}", none.join(", ")));
        }
        if parts.is_empty() {
            continue;
        }
        let mut label = (*model).to_owned();
        if let Some(d) = data_id {
            let _ = write!(label, " [{d}]");
        }
        if !group.is_empty() {
            let _ = write!(label, " ({group})");
        }
        let _ = writeln!(out, "<li>{}: {}</li>", esc(&label), parts.join("; "));
    }
    out.push_str("</ul>\n");
    if rows
        .iter()
        .any(|r| ["bic", "icl"].contains(&r.criterion.as_str()))
    {
        out.push_str(
            "<p class=\"muted\">BIC, AIC and ICL follow scikit-learn's sign: lower is better \
             (BIC = −2 log L + p log n; ICL adds twice the entropy of the hard classification). \
             mclust reports the same numbers with the opposite sign, higher is better.</p>\n",
        );
    }
    out
}

fn plots_section(dir: &Path) -> String {
    let plots = dir.join("plots");
    let specs = plots_of(dir).unwrap_or_default();
    let mut stems: Vec<String> = Vec::new();
    for (spec, companion) in specs.iter().zip(companions(&specs)) {
        stems.push(spec.file_stem());
        if let Some(c) = companion
            && plots.join(format!("{}.png", c.stem)).exists()
        {
            stems.push(c.stem);
        }
    }
    let mut others: Vec<String> = fs::read_dir(&plots)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".png").map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    others.sort();
    for o in others {
        if !stems.contains(&o) {
            stems.push(o);
        }
    }
    let mut out = String::new();
    for stem in stems {
        let png = plots.join(format!("{stem}.png"));
        match fs::read(&png) {
            Ok(bytes) => {
                let _ = writeln!(
                    out,
                    "<figure><img alt=\"{0}\" src=\"data:image/png;base64,{1}\">\
                     <figcaption>{0} (<a href=\"plots/{0}.svg\">SVG</a>)</figcaption></figure>",
                    esc(&stem),
                    base64(&bytes)
                );
            }
            Err(_) => {
                let _ = writeln!(
                    out,
                    "<p class=\"err\">{}: not drawn (see the output of <code>clusterlab plot</code>).</p>",
                    esc(&stem)
                );
            }
        }
    }
    if out.is_empty() {
        out.push_str("<p class=\"muted\">No plots in plots/.</p>\n");
    }
    out
}

/// The failed cells of runs.csv, with their errors; empty when none failed.
fn failed_section(dir: &Path) -> String {
    let Ok(runs) = Table::read(&dir.join("runs.csv")) else {
        return String::new();
    };
    let Some(status) = runs.column("status") else {
        return String::new();
    };
    let show: Vec<usize> = ["cell_id", "model", "k", "seed", "error"]
        .iter()
        .filter_map(|c| runs.column(c))
        .collect();
    let failed: Vec<_> = runs
        .rows
        .iter()
        .filter(|(_, r)| r.get(status).is_some_and(|s| s.trim() == "failed"))
        .collect();
    if failed.is_empty() {
        return format!(
            "<h2>Cells</h2>\n<p>All {} cells of runs.csv are ok.</p>\n",
            runs.rows.len()
        );
    }
    let mut out = format!(
        "<h2>Failed cells</h2>\n<p class=\"err\">{} of {} cells failed.</p>\n<div class=\"scroll\"><table><tr>",
        failed.len(),
        runs.rows.len()
    );
    for c in &show {
        let _ = write!(out, "<th class=\"t\">{}</th>", esc(&runs.header[*c]));
    }
    out.push_str("</tr>\n");
    for (_, r) in failed {
        out.push_str("<tr>");
        for c in &show {
            let _ = write!(out, "<td class=\"t\">{}</td>", esc(r.get(*c).unwrap_or("")));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
    out
}

/// A CSV file as an HTML table (numbers shortened, text left-aligned), or a note saying why
/// it cannot be shown.
fn csv_table(path: &Path) -> String {
    let table = match Table::read(path) {
        Ok(t) => t,
        Err(e) => return format!("<p class=\"err\">{}</p>\n", esc(&e.to_string())),
    };
    let mut out = String::from("<div class=\"scroll\"><table><tr>");
    for h in &table.header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>\n");
    for (_, row) in &table.rows {
        out.push_str("<tr>");
        for cell in row.iter() {
            let cell = cell.trim();
            match cell.parse::<f64>() {
                Ok(v) => {
                    let _ = write!(out, "<td>{}</td>", esc(&short_number(v, cell)));
                }
                Err(_) => {
                    let _ = write!(out, "<td class=\"t\">{}</td>", esc(cell));
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
    out
}

/// Integers as written; other numbers to four significant digits.
fn short_number(v: f64, text: &str) -> String {
    if !text.contains(['.', 'e', 'E']) || !v.is_finite() || v == 0.0 {
        return text.to_string();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.3e}");
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// HTML-escapes text for element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648, with padding): a few lines instead of a dependency.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn numbers_are_shortened_but_integers_kept() {
        assert_eq!(short_number(12.0, "12"), "12");
        assert_eq!(short_number(1234.5678, "1234.5678"), "1235");
        assert_eq!(short_number(0.123456, "0.123456"), "0.1235");
        assert_eq!(short_number(1.5e-7, "1.5e-7"), "1.500e-7");
    }
}
