//! Drawing figures to files. A figure is plain data (lines, points, legend entries) built by
//! the plot builders from result rows; this module knows nothing of the results folder.
//!
//! Each figure is drawn twice through the same generic code: to a PNG (plotters' bitmap
//! backend, text through ab_glyph and the embedded font) and to an SVG.

use std::path::{Path, PathBuf};

use plotters::{
    coord::Shift,
    prelude::*,
    style::text_anchor::{HPos, Pos, VPos},
};

use crate::{
    error::{PlotError, Result},
    series::BandPoint,
    style::{FAMILY, LineLook, ensure_font, k_tick, tick},
};

/// Light grid lines, so that the data stands out.
const GRID_BOLD: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const GRID_LIGHT: RGBColor = RGBColor(0xf0, 0xf0, 0xf0);
const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// What a legend entry shows beside its text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Swatch {
    /// A line with its band (a line of a line plot).
    Line(LineLook),
    /// A filled dot (a class of a scatter plot).
    Dot(RGBColor),
    /// The black and white X of cluster centers.
    Cross,
    /// An ellipse outline.
    Ellipse,
    /// The star marking a picked K.
    Star,
    /// A line with a star of its colour on it (a series whose picked K is starred).
    LineStar(LineLook),
    /// A dashed vertical line (the mean of a silhouette plot).
    DashedRule(RGBColor),
    /// A hollow ring (a pick the seeds disagree on).
    Ring(RGBColor),
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

/// One line of a line panel: means against K with a band of +- one standard deviation, and
/// optional starred points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub look: LineLook,
    pub points: Vec<BandPoint>,
    /// Points to mark with a star.
    pub stars: Vec<Star>,
}

/// A star marking a picked K: at (K, y), drawn `dx` pixels to the side so that stars on one
/// spot do not hide each other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Star {
    pub k: usize,
    pub y: f64,
    pub dx: i32,
}

/// One chart of lines against K.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Panel {
    pub caption: Option<String>,
    pub y_desc: String,
    pub lines: Vec<Line>,
    /// A fixed y range (normalised plots); otherwise fitted to the bands.
    pub y_range: Option<(f64, f64)>,
}

/// A figure of one or more line panels sharing a title and a legend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LineFigure {
    pub title: String,
    pub panels: Vec<Panel>,
    pub columns: usize,
    pub size: (u32, u32),
    pub legend: Vec<LegendEntry>,
}

/// A scatter plot of two features, coloured by labels, with centers and ellipses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScatterFigure {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    /// Points of each colour.
    pub groups: Vec<(RGBColor, Vec<(f64, f64)>)>,
    pub centers: Vec<(f64, f64)>,
    /// (colour, closed path) of each covariance ellipse.
    pub ellipses: Vec<(RGBColor, Vec<(f64, f64)>)>,
    pub legend: Vec<LegendEntry>,
}

/// Something drawable on any plotters backend.
pub(crate) trait Figure {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// plotters' errors are generic over the backend; they become text here and gain the file
/// name in [`render`].
fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&TEXT)
}

/// Draws `figure` to `dir/stem.png` and `dir/stem.svg`; returns both paths.
pub(crate) fn render<F: Figure>(figure: &F, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    let size = figure.size();
    let draw_err = |path: &Path| {
        let path = path.to_path_buf();
        move |message| PlotError::Draw { path, message }
    };
    ensure_font().map_err(draw_err(&png))?;
    let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        figure.draw(&root).map_err(draw_err(&png))?;
        root.present().map_err(msg).map_err(draw_err(&png))?;
    }
    write_png(&png, &pixels, size)?;
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        figure.draw(&root).map_err(draw_err(&svg))?;
        root.present().map_err(msg).map_err(draw_err(&svg))?;
    }
    Ok(vec![png, svg])
}

/// Encodes RGB pixels as a PNG with the best compression: plots are mostly flat colour, and
/// the README shows them, so smaller files are worth a few milliseconds.
fn write_png(path: &Path, pixels: &[u8], (w, h): (u32, u32)) -> Result<()> {
    use image::{
        ColorType, ImageEncoder,
        codecs::png::{CompressionType, FilterType, PngEncoder},
    };
    let io_err = |source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io_err)?;
    let mut out = std::io::BufWriter::new(file);
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive)
        .write_image(pixels, w, h, ColorType::Rgb8)
        .map_err(|e| PlotError::Draw {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    std::io::Write::flush(&mut out).map_err(io_err)
}

/// Splits off the title and the legend strip; returns the area left for charts.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendEntry],
) -> Result<DrawingArea<DB, Shift>, String> {
    root.fill(&WHITE).map_err(msg)?;
    let (title, size) = fit_title(root, title)?;
    let body = root.titled(&title, font(size)).map_err(msg)?;
    let rows = legend_layout(&body, legend)?;
    let n_rows = rows.iter().map(|r| r.1).max().map_or(0, |r| r + 1) as i32;
    if n_rows == 0 {
        return Ok(body);
    }
    let height = body.dim_in_pixel().1 as i32;
    let legend_height = n_rows * 24 + 12;
    let (charts, strip) = body.split_vertically(height - legend_height);
    draw_legend(&strip, legend, &rows)?;
    Ok(charts)
}

/// The title and a font size at which it fits the width: 22 px when it can, smaller down to
/// 14 px, and beyond that cut with an ellipsis (a long title names many axis values).
fn fit_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(String, f64), String> {
    let room = area.dim_in_pixel().0.saturating_sub(24);
    let fits = |t: &str, size: f64| -> Result<bool, String> {
        let (w, _) = area.estimate_text_size(t, &font(size)).map_err(msg)?;
        Ok(w <= room)
    };
    let mut size = 22.0;
    while size > 14.0 {
        if fits(title, size)? {
            return Ok((title.to_string(), size));
        }
        size -= 1.0;
    }
    let mut chars: Vec<char> = title.chars().collect();
    while !chars.is_empty() {
        let cut: String = chars.iter().collect::<String>() + "…";
        if fits(&cut, size)? {
            return Ok((cut, size));
        }
        chars.pop();
    }
    Ok((String::new(), size))
}

const SWATCH: i32 = 28;

/// (x, row) of each legend entry, wrapping to the area's width.
fn legend_layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &[LegendEntry],
) -> Result<Vec<(i32, usize)>, String> {
    let width = area.dim_in_pixel().0 as i32;
    let style = font(15.0);
    let mut widths = Vec::with_capacity(legend.len());
    for entry in legend {
        let (w, _) = area.estimate_text_size(&entry.label, &style).map_err(msg)?;
        widths.push(SWATCH + 6 + w as i32 + 22);
    }
    // Center each row: lay out greedily, then shift each row by half its slack.
    let mut placed = Vec::with_capacity(legend.len());
    let (mut x, mut row) = (0, 0);
    for w in &widths {
        if x > 0 && x + w > width - 20 {
            x = 0;
            row += 1;
        }
        placed.push((x, row));
        x += w;
    }
    let mut out = placed.clone();
    for r in 0..=row {
        let end = placed
            .iter()
            .zip(&widths)
            .filter(|((_, pr), _)| *pr == r)
            .map(|((px, _), w)| px + w)
            .max()
            .unwrap_or(0);
        let shift = ((width - end) / 2).max(0);
        for (o, p) in out.iter_mut().zip(&placed) {
            if p.1 == r {
                o.0 = p.0 + shift;
            }
        }
    }
    Ok(out)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &[LegendEntry],
    rows: &[(i32, usize)],
) -> Result<(), String> {
    let label_style = font(15.0).pos(Pos::new(HPos::Left, VPos::Center));
    for (entry, (x, row)) in legend.iter().zip(rows) {
        let y = 6 + 12 + 24 * *row as i32;
        let (x0, x1, xc) = (*x, *x + SWATCH, *x + SWATCH / 2);
        match &entry.swatch {
            Swatch::Line(look) | Swatch::LineStar(look) => {
                let c = look.color;
                area.draw(&Rectangle::new(
                    [(x0, y - 7), (x1, y + 7)],
                    c.mix(0.2).filled(),
                ))
                .map_err(msg)?;
                let stroke = c.stroke_width(3);
                let ends = [(x0, y), (x1, y)];
                match look.dash {
                    None => area.draw(&PathElement::new(ends, stroke)),
                    Some((dash, gap)) => area.draw(&plotters::element::DashedPathElement::new(
                        ends, dash, gap, stroke,
                    )),
                }
                .map_err(msg)?;
                if let Swatch::LineStar(_) = entry.swatch {
                    let (fill, outline) = star(&c);
                    area.draw(&(EmptyElement::at((xc, y)) + fill + outline))
                        .map_err(msg)?;
                }
            }
            Swatch::DashedRule(c) => {
                area.draw(&plotters::element::DashedPathElement::new(
                    [(xc, y - 9), (xc, y + 9)],
                    4,
                    3,
                    c.stroke_width(2),
                ))
                .map_err(msg)?;
            }
            Swatch::Ring(c) => {
                area.draw(&Circle::new((xc, y), 6, WHITE.filled()))
                    .map_err(msg)?;
                area.draw(&Circle::new((xc, y), 6, c.stroke_width(2)))
                    .map_err(msg)?;
            }
            Swatch::Dot(c) => {
                area.draw(&Circle::new((xc, y), 5, c.filled()))
                    .map_err(msg)?;
            }
            Swatch::Cross => draw_center_cross(area, (xc, y))?,
            Swatch::Ellipse => {
                let pts: Vec<(i32, i32)> = (0..=24)
                    .map(|i| {
                        let t = std::f64::consts::TAU * i as f64 / 24.0;
                        (xc + (13.0 * t.cos()) as i32, y + (7.0 * t.sin()) as i32)
                    })
                    .collect();
                area.draw(&PathElement::new(pts, BLACK.stroke_width(2)))
                    .map_err(msg)?;
            }
            Swatch::Star => {
                let (fill, outline) = star(&RGBColor(0x99, 0x99, 0x99));
                area.draw(&(EmptyElement::at((xc, y)) + fill + outline))
                    .map_err(msg)?;
            }
        }
        area.draw(&Text::new(
            entry.label.clone(),
            (x1 + 6, y),
            label_style.clone(),
        ))
        .map_err(msg)?;
    }
    Ok(())
}

/// A point in pixels, relative to where the element is placed.
type Pixels = (i32, i32);

/// A five-pointed star around (0, 0) in pixels: the shape filled with `color`, and its black
/// outline (composed with `EmptyElement::at` to place it).
fn star(color: &RGBColor) -> (Polygon<Pixels>, PathElement<Pixels>) {
    star_at(color, 0)
}

/// [`star`] around (`dx`, 0).
fn star_at(color: &RGBColor, dx: i32) -> (Polygon<Pixels>, PathElement<Pixels>) {
    let pts: Vec<Pixels> = (0..10)
        .map(|i| {
            let r = if i % 2 == 0 { 10.0 } else { 4.2 };
            let t = std::f64::consts::PI * (i as f64 / 5.0 - 0.5);
            (
                dx + (r * t.cos()).round() as i32,
                (r * t.sin()).round() as i32,
            )
        })
        .collect();
    let mut outline = pts.clone();
    outline.push(pts[0]);
    (
        Polygon::new(pts, color.filled()),
        PathElement::new(outline, BLACK.stroke_width(1)),
    )
}

/// A black X with a white X inside it: visible on dark and light points alike.
fn draw_center_cross<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
) -> Result<(), String> {
    area.draw(&Cross::new((x, y), 7, BLACK.stroke_width(5)))
        .map_err(msg)?;
    area.draw(&Cross::new((x, y), 7, WHITE.stroke_width(2)))
        .map_err(msg)?;
    Ok(())
}

/// The smallest and largest of `values`, padded by 5% (or by 1 when they are equal).
fn padded_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return None;
    }
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        lo.abs().max(1.0) * 0.05
    };
    Some((lo - pad, hi + pad))
}

impl Figure for LineFigure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let charts = frame(root, &self.title, &self.legend)?;
        let columns = self.columns.max(1);
        let rows = self.panels.len().div_ceil(columns).max(1);
        let areas = charts.split_evenly((rows, columns));
        for (panel, area) in self.panels.iter().zip(&areas) {
            draw_panel(area, panel)?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> Result<(), String> {
    let ks = p
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|q| q.k as f64));
    let (k_lo, k_hi) = ks.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), k| {
        (lo.min(k), hi.max(k))
    });
    if k_lo > k_hi {
        return Ok(());
    }
    let (y_lo, y_hi) = match p.y_range {
        Some(r) => r,
        None => padded_range(
            p.lines
                .iter()
                .flat_map(|l| l.points.iter())
                .flat_map(|q| [q.mean - q.std, q.mean + q.std]),
        )
        .unwrap_or((0.0, 1.0)),
    };
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(72);
    if let Some(caption) = &p.caption {
        builder.caption(caption, font(17.0));
    }
    let mut chart = builder
        .build_cartesian_2d((k_lo - 0.5)..(k_hi + 0.5), y_lo..y_hi)
        .map_err(msg)?;
    let n_k = (k_hi - k_lo) as usize + 1;
    chart
        .configure_mesh()
        .x_desc("K (number of clusters)")
        .y_desc(p.y_desc.as_str())
        .x_labels(n_k.clamp(2, 12) + 1)
        .y_labels(8)
        .x_label_formatter(&|v| k_tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .max_light_lines(0)
        .label_style(font(13.0))
        .axis_desc_style(font(15.0))
        .draw()
        .map_err(msg)?;
    let clamp = |v: f64| v.clamp(y_lo, y_hi);
    for line in &p.lines {
        let c = line.look.color;
        let upper = line
            .points
            .iter()
            .map(|q| (q.k as f64, clamp(q.mean + q.std)));
        let lower = line
            .points
            .iter()
            .rev()
            .map(|q| (q.k as f64, clamp(q.mean - q.std)));
        if line.points.len() > 1 {
            chart
                .draw_series(std::iter::once(Polygon::new(
                    upper.chain(lower).collect::<Vec<_>>(),
                    c.mix(0.18).filled(),
                )))
                .map_err(msg)?;
        } else {
            // A single K has no band to draw: an error bar shows its spread.
            chart
                .draw_series(line.points.iter().map(|q| {
                    let x = q.k as f64;
                    PathElement::new(
                        vec![(x, clamp(q.mean - q.std)), (x, clamp(q.mean + q.std))],
                        c.stroke_width(2),
                    )
                }))
                .map_err(msg)?;
        }
        let means = line.points.iter().map(|q| (q.k as f64, q.mean));
        match line.look.dash {
            None => chart.draw_series(LineSeries::new(means, c.stroke_width(2))),
            Some((dash, gap)) => {
                chart.draw_series(DashedLineSeries::new(means, dash, gap, c.stroke_width(2)))
            }
        }
        .map_err(msg)?;
        chart
            .draw_series(
                line.points
                    .iter()
                    .map(|q| Circle::new((q.k as f64, q.mean), 3, c.filled())),
            )
            .map_err(msg)?;
    }
    // Stars last, so that no line hides them.
    for line in &p.lines {
        chart
            .draw_series(line.stars.iter().map(|s| {
                let (fill, outline) = star_at(&line.look.color, s.dx);
                EmptyElement::at((s.k as f64, s.y)) + fill + outline
            }))
            .map_err(msg)?;
    }
    Ok(())
}

impl Figure for ScatterFigure {
    fn size(&self) -> (u32, u32) {
        (800, 680)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let area = frame(root, &self.title, &self.legend)?;
        let all = || {
            self.groups
                .iter()
                .flat_map(|(_, p)| p.iter())
                .chain(&self.centers)
                .chain(self.ellipses.iter().flat_map(|(_, p)| p.iter()))
        };
        let x = padded_range(all().map(|p| p.0)).unwrap_or((0.0, 1.0));
        let y = padded_range(all().map(|p| p.1)).unwrap_or((0.0, 1.0));
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(64)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .max_light_lines(0)
            .label_style(font(13.0))
            .axis_desc_style(font(15.0))
            .draw()
            .map_err(msg)?;
        for (c, path) in &self.ellipses {
            chart
                .draw_series(std::iter::once(Polygon::new(path.clone(), c.mix(0.15))))
                .map_err(msg)?;
        }
        for (c, points) in &self.groups {
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 3, c.filled())))
                .map_err(msg)?;
        }
        for (_, path) in &self.ellipses {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    path.clone(),
                    BLACK.stroke_width(2),
                )))
                .map_err(msg)?;
        }
        chart
            .draw_series(self.centers.iter().map(|c| {
                EmptyElement::at(*c)
                    + Cross::new((0, 0), 7, BLACK.stroke_width(5))
                    + Cross::new((0, 0), 7, WHITE.stroke_width(2))
            }))
            .map_err(msg)?;
        Ok(())
    }
}

/// Where each criterion picks K: one row per criterion, K across, a mark per series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AgreementFigure {
    pub title: String,
    /// The criteria, top row first.
    pub rows: Vec<String>,
    /// The smallest and largest K shown.
    pub k_range: (usize, usize),
    pub marks: Vec<Mark>,
    /// Width of a series' slot within a K, in K units (marks are at most this wide).
    pub slot: f64,
    pub legend: Vec<LegendEntry>,
    pub size: (u32, u32),
}

/// One series' pick on one criterion's row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mark {
    pub row: usize,
    /// The picked K.
    pub k: usize,
    /// Where the mark is drawn: K plus the series' offset within the K.
    pub x: f64,
    pub color: RGBColor,
    /// Whether every seed picked this K on its own (a filled mark; a ring otherwise).
    pub agreed: bool,
}

/// Per-sample silhouettes of one clustering, sorted within clusters (scikit-learn's
/// "silhouette analysis" figure).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KnifeFigure {
    pub title: String,
    /// Each cluster's colour, label and silhouettes in increasing order, bottom cluster first.
    pub clusters: Vec<(RGBColor, String, Vec<f64>)>,
    /// The mean silhouette (the dashed line).
    pub mean: f64,
    pub legend: Vec<LegendEntry>,
}

/// The mean line's colour: vermillion, apart from viridis' purples, greens and yellows.
pub(crate) const MEAN_RULE: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

/// Draws `text` right-aligned just left of the chart point `at`, on the root area (whose
/// coordinates are the backend's): labels of categories, which plotters' numeric ticks
/// cannot place.
fn left_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    text: &str,
    size: f64,
) -> Result<(), String> {
    let style = font(size).pos(Pos::new(HPos::Right, VPos::Center));
    root.draw(&Text::new(text.to_string(), (at.0 - 8, at.1), style))
        .map_err(msg)
}

impl Figure for AgreementFigure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let area = frame(root, &self.title, &self.legend)?;
        let n = self.rows.len().max(1);
        let (k_lo, k_hi) = (self.k_range.0 as f64, self.k_range.1 as f64);
        // Rows are drawn top to bottom: row r sits at y = n - 1 - r.
        let y_of = |row: usize| (n - 1 - row) as f64;
        let label_room = self
            .rows
            .iter()
            .map(|r| area.estimate_text_size(r, &font(14.0)).map(|s| s.0))
            .collect::<Result<Vec<u32>, _>>()
            .map_err(msg)?
            .into_iter()
            .max()
            .unwrap_or(0)
            + 20;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_left(label_room.max(40))
            .x_label_area_size(42)
            .build_cartesian_2d((k_lo - 0.5)..(k_hi + 0.5), -0.5..(n as f64 - 0.5))
            .map_err(msg)?;
        let n_k = (k_hi - k_lo) as usize + 1;
        chart
            .configure_mesh()
            .x_desc("K (number of clusters)")
            .x_labels(n_k.clamp(2, 20) + 1)
            .x_label_formatter(&|v| k_tick(*v))
            .disable_y_mesh()
            .disable_x_mesh()
            .y_labels(0)
            .label_style(font(13.0))
            .axis_desc_style(font(15.0))
            .draw()
            .map_err(msg)?;
        // Alternate rows shaded, K cells outlined: a table to read a mark's row and K from.
        for row in 0..n {
            let y = y_of(row);
            if row % 2 == 0 {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(k_lo - 0.5, y - 0.5), (k_hi + 0.5, y + 0.5)],
                        RGBColor(0xf3, 0xf3, 0xf3).filled(),
                    )))
                    .map_err(msg)?;
            }
        }
        chart
            .draw_series((0..=n_k).map(|i| {
                let x = k_lo - 0.5 + i as f64;
                PathElement::new(vec![(x, -0.5), (x, n as f64 - 0.5)], GRID_BOLD)
            }))
            .map_err(msg)?;
        for (row, label) in self.rows.iter().enumerate() {
            let at = chart.backend_coord(&(k_lo - 0.5, y_of(row)));
            left_label(root, at, label, 14.0)?;
        }
        // A mark's radius: as large as its slot allows, 7 pixels at most.
        let x0 = chart.backend_coord(&(k_lo, 0.0)).0;
        let x1 = chart.backend_coord(&(k_lo + self.slot, 0.0)).0;
        let radius = ((x1 - x0) / 2 - 1).clamp(3, 7);
        for m in &self.marks {
            let at = (m.x, y_of(m.row));
            if m.agreed {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at(at)
                            + Circle::new((0, 0), radius, m.color.filled())
                            + Circle::new((0, 0), radius, BLACK.mix(0.6).stroke_width(1)),
                    ))
                    .map_err(msg)?;
            } else {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at(at)
                            + Circle::new((0, 0), radius, WHITE.filled())
                            + Circle::new((0, 0), radius - 1, m.color.stroke_width(2)),
                    ))
                    .map_err(msg)?;
            }
        }
        Ok(())
    }
}

impl Figure for KnifeFigure {
    fn size(&self) -> (u32, u32) {
        (800, 680)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let area = frame(root, &self.title, &self.legend)?;
        let n: usize = self.clusters.iter().map(|c| c.2.len()).sum();
        // Gaps between clusters as scikit-learn's example leaves (10 of its 500 samples).
        let gap = (n as f64 * 0.02).max(2.0).round();
        let lowest = self
            .clusters
            .iter()
            .flat_map(|c| c.2.first())
            .fold(0.0_f64, |m, v| m.min(*v));
        let x_lo = ((lowest - 0.05).min(-0.1) * 10.0).floor() / 10.0;
        let y_hi = n as f64 + gap * (self.clusters.len() + 1) as f64;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_left(24)
            .x_label_area_size(42)
            .y_label_area_size(40)
            .build_cartesian_2d(x_lo..1.0, 0.0..y_hi)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc("silhouette coefficient")
            .y_desc("cluster (its samples sorted by silhouette)")
            .x_label_formatter(&|v| tick(*v))
            .y_labels(0)
            .disable_y_mesh()
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .max_light_lines(0)
            .label_style(font(13.0))
            .axis_desc_style(font(15.0))
            .draw()
            .map_err(msg)?;
        let mut y0 = gap;
        for (color, label, values) in &self.clusters {
            let m = values.len() as f64;
            let mut outline: Vec<(f64, f64)> = Vec::with_capacity(values.len() + 4);
            outline.push((0.0, y0));
            outline.extend(
                values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (*v, y0 + i as f64 + 0.5)),
            );
            outline.push((0.0, y0 + m));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline.clone(),
                    color.mix(0.85).filled(),
                )))
                .map_err(msg)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    outline,
                    color.stroke_width(1),
                )))
                .map_err(msg)?;
            let at = chart.backend_coord(&(x_lo, y0 + 0.5 * m));
            left_label(root, at, label, 14.0)?;
            y0 += m + gap;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, y_hi)],
                BLACK.stroke_width(1),
            )))
            .map_err(msg)?;
        chart
            .draw_series(DashedLineSeries::new(
                [(self.mean, 0.0), (self.mean, y_hi)],
                9,
                5,
                MEAN_RULE.stroke_width(2),
            ))
            .map_err(msg)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_shrink_then_are_cut() {
        ensure_font().unwrap();
        let mut svg = String::new();
        let root = SVGBackend::with_string(&mut svg, (300, 100)).into_drawing_area();
        assert_eq!(
            fit_title(&root, "short").unwrap(),
            ("short".to_string(), 22.0)
        );
        let medium = "a title of about forty characters long";
        let (t, size) = fit_title(&root, medium).unwrap();
        assert_eq!(t, medium);
        assert!((14.0..22.0).contains(&size), "{size}");
        let long = "x".repeat(200);
        let (t, size) = fit_title(&root, &long).unwrap();
        assert!(t.ends_with('…') && t.len() < long.len(), "{t}");
        assert_eq!(size, 14.0);
    }

    #[test]
    fn padded_range_pads_and_handles_flat_and_empty_input() {
        assert_eq!(padded_range([0.0, 10.0].into_iter()), Some((-0.5, 10.5)));
        assert_eq!(padded_range([2.0].into_iter()), Some((1.9, 2.1)));
        assert_eq!(padded_range([f64::NAN].into_iter()), None);
    }
}

/// The objective of chosen cells at each iteration of their fits, one panel per series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TraceFigure {
    pub title: String,
    pub panels: Vec<TracePanel>,
    pub columns: usize,
    pub size: (u32, u32),
    pub legend: Vec<LegendEntry>,
}

/// One series' traces: a line per cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TracePanel {
    pub caption: String,
    pub y_desc: String,
    /// Whether the y axis is logarithmic (all values positive).
    pub log_y: bool,
    /// (K, colour, the objective at iterations 1, 2, ...) of each cell.
    pub lines: Vec<(usize, RGBColor, Vec<f64>)>,
    /// Said under the chart (cells with no trace).
    pub note: Option<String>,
}

impl Figure for TraceFigure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let charts = frame(root, &self.title, &self.legend)?;
        let columns = self.columns.max(1);
        let rows = self.panels.len().div_ceil(columns).max(1);
        let areas = charts.split_evenly((rows, columns));
        for (panel, area) in self.panels.iter().zip(&areas) {
            let area = match &panel.note {
                None => area.clone(),
                Some(note) => {
                    let h = area.dim_in_pixel().1 as i32;
                    let (chart, strip) = area.split_vertically(h - 22);
                    strip
                        .draw(&Text::new(
                            note.clone(),
                            (12, 4),
                            font(13.0).color(&RGBColor(0x66, 0x66, 0x66)),
                        ))
                        .map_err(msg)?;
                    chart
                }
            };
            draw_trace_panel(&area, panel)?;
        }
        Ok(())
    }
}

fn draw_trace_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &TracePanel,
) -> Result<(), String> {
    let n_iter = p.lines.iter().map(|l| l.2.len()).max().unwrap_or(0);
    let values = || p.lines.iter().flat_map(|l| l.2.iter().copied());
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(72)
        .caption(&p.caption, font(16.0));
    let x_range = 0.5..(n_iter.max(2) as f64 + 0.5);
    if p.log_y {
        let lo = values().fold(f64::INFINITY, f64::min);
        let hi = values().fold(f64::NEG_INFINITY, f64::max);
        let chart = builder
            .build_cartesian_2d(x_range, (lo / 1.15..hi * 1.15).log_scale())
            .map_err(msg)?;
        trace_lines(chart, p, n_iter)
    } else {
        let (lo, hi) = padded_range(values()).unwrap_or((0.0, 1.0));
        let chart = builder.build_cartesian_2d(x_range, lo..hi).map_err(msg)?;
        trace_lines(chart, p, n_iter)
    }
}

/// The mesh, then each cell's line with a dot at its last iteration, on either y scale.
fn trace_lines<DB, Y>(
    mut chart: ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    p: &TracePanel,
    n_iter: usize,
) -> Result<(), String>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc(p.y_desc.as_str())
        .x_labels(n_iter.clamp(2, 10))
        .y_labels(7)
        .x_label_formatter(&|v| k_tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .max_light_lines(0)
        .label_style(font(13.0))
        .axis_desc_style(font(14.0))
        .draw()
        .map_err(msg)?;
    for (_, color, values) in &p.lines {
        let points = values.iter().enumerate().map(|(i, v)| (i as f64 + 1.0, *v));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(msg)?;
        if let Some(last) = values.last() {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (values.len() as f64, *last),
                    4,
                    color.filled(),
                )))
                .map_err(msg)?;
        }
    }
    Ok(())
}

/// Datasets against models, a small scatter panel each (scikit-learn's "comparing clustering
/// algorithms on toy datasets").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GalleryFigure {
    pub title: String,
    pub column_labels: Vec<String>,
    pub row_labels: Vec<String>,
    /// `panels[row][column]`; `None` where no cell fitted.
    pub panels: Vec<Vec<Option<GalleryPanel>>>,
    pub size: (u32, u32),
}

/// One panel of a gallery: the points of each label, and lines of text for its corner.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GalleryPanel {
    pub groups: Vec<(RGBColor, Vec<(f64, f64)>)>,
    pub corner: Vec<String>,
}

impl Figure for GalleryFigure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = frame(root, &self.title, &[])?;
        let (w, h) = body.dim_in_pixel();
        let (left, top) = (150i32, 34i32);
        let n_cols = self.column_labels.len().max(1) as i32;
        let n_rows = self.row_labels.len().max(1) as i32;
        let cw = (w as i32 - left) / n_cols;
        let rh = (h as i32 - top) / n_rows;
        let centred = font(15.0).pos(Pos::new(HPos::Center, VPos::Center));
        for (c, label) in self.column_labels.iter().enumerate() {
            let x = left + cw * c as i32 + cw / 2;
            body.draw(&Text::new(label.clone(), (x, top / 2), centred.clone()))
                .map_err(msg)?;
        }
        let right = font(15.0).pos(Pos::new(HPos::Right, VPos::Center));
        for (r, label) in self.row_labels.iter().enumerate() {
            let y = top + rh * r as i32 + rh / 2;
            body.draw(&Text::new(label.clone(), (left - 12, y), right.clone()))
                .map_err(msg)?;
        }
        for (r, row) in self.panels.iter().enumerate() {
            for (c, panel) in row.iter().enumerate() {
                let (x0, y0) = (left + cw * c as i32 + 4, top + rh * r as i32 + 4);
                let area = body
                    .clone()
                    .shrink((x0, y0), ((cw - 8) as u32, (rh - 8) as u32));
                area.fill(&RGBColor(0xfa, 0xfa, 0xfa)).map_err(msg)?;
                let Some(panel) = panel else {
                    area.draw(&Text::new(
                        "no cell".to_string(),
                        ((cw - 8) / 2, (rh - 8) / 2),
                        centred.clone(),
                    ))
                    .map_err(msg)?;
                    continue;
                };
                draw_gallery_panel(&area, panel)?;
            }
        }
        Ok(())
    }
}

fn draw_gallery_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &GalleryPanel,
) -> Result<(), String> {
    let all = || p.groups.iter().flat_map(|(_, pts)| pts.iter());
    let x = padded_range(all().map(|q| q.0)).unwrap_or((0.0, 1.0));
    let y = padded_range(all().map(|q| q.1)).unwrap_or((0.0, 1.0));
    let mut chart = ChartBuilder::on(area)
        .margin(4)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(msg)?;
    for (c, pts) in &p.groups {
        chart
            .draw_series(pts.iter().map(|q| Circle::new(*q, 2, c.filled())))
            .map_err(msg)?;
    }
    let (w, _) = area.dim_in_pixel();
    let style = font(13.0).pos(Pos::new(HPos::Right, VPos::Top));
    // A light box under the corner's text, so that points do not cross it.
    let mut widest = 0;
    for line in &p.corner {
        widest = widest.max(area.estimate_text_size(line, &style).map_err(msg)?.0 as i32);
    }
    if !p.corner.is_empty() {
        let bottom = 6 + 16 * p.corner.len() as i32;
        area.draw(&Rectangle::new(
            [(w as i32 - widest - 12, 1), (w as i32 - 1, bottom)],
            WHITE.mix(0.85).filled(),
        ))
        .map_err(msg)?;
    }
    for (i, line) in p.corner.iter().enumerate() {
        area.draw(&Text::new(
            line.clone(),
            (w as i32 - 6, 4 + 16 * i as i32),
            style.clone(),
        ))
        .map_err(msg)?;
    }
    Ok(())
}
