//! The chart gallery: every family drawn at depths 3, 30 and 150 with 1, 5 and 12 schemes (and
//! the phase diagram over three depths, and recurrent networks over 150 time steps), checked for what a program can check: every family
//! drew, PNGs stay within their pixel budget, SVGs hold no NaN or infinite coordinates, a
//! figure's key sits right of its panels (never over data), and depth-150 charts need no
//! legend entry per layer. `scripts/gallery.sh` draws the same grids for a person to look at.

mod common;

use std::path::Path;

use common::{run_quiet, stderr, write_config};

/// Twelve schemes, in the order a grid lists them; the first 1, 5 or 12 are drawn.
const SCHEMES: [&str; 12] = [
    "\"lecun_normal\"",
    "\"xavier_uniform\"",
    "\"he_normal\"",
    "\"orthogonal\"",
    "{ scheme = \"normal\", std = 0.01 }",
    "\"lecun_uniform\"",
    "\"xavier_normal\"",
    "\"he_uniform\"",
    "\"standard\"",
    "{ scheme = \"normal\", std = 1.0 }",
    "{ scheme = \"uniform\", low = -0.5, high = 0.5 }",
    "\"zeros\"",
];

fn grid(schemes: usize, activation: &str) -> String {
    format!(
        r#"
name = "gallery_{schemes}"
inits = [{}]
activations = ["{activation}"]
depths = [3, 30, 150]
widths = [6]
seeds = [0]
lrs = [0.05]

[train]
steps = 4
batch_size = 8
probe_every = 2
probe_size = 16
eval_every = 2
target = {{ test_acc = 0.3 }}
smooth = 2

[dataset]
kind = "digits"
max_train = 64
max_test = 32
"#,
        SCHEMES[..schemes].join(", ")
    )
}

const PHASE: &str = r#"
name = "gallery_phase"
inits = [
    { scheme = "critical", sigma_w2 = 1.2, sigma_b2 = 0.05 },
    { scheme = "critical", sigma_w2 = 1.6, sigma_b2 = 0.05 },
]
activations = ["tanh"]
depths = [3, 30, 150]
widths = [6]
seeds = [0]
lrs = [0.05]

[train]
steps = 2
batch_size = 8
probe_every = 2
probe_size = 16
eval_every = 2
target = { test_acc = 0.3 }

[dataset]
kind = "digits"
max_train = 64
max_test = 32
"#;

/// The coordinate check at the gallery's depths: two widths, probes at steps 0, 1 and 2.
const COORD: &str = r#"
name = "gallery_coord"
inits = ["lecun_normal"]
parameterizations = ["standard", "mup"]
activations = ["tanh"]
depths = [3, 30, 150]
widths = [6, 12]
seeds = [0]
lrs = [0.001]
optimizers = ["adam"]

[train]
steps = 2
batch_size = 8
probe_every = 1
probe_size = 16
probe_batch = "fixed"
eval_every = 1
target = { test_acc = 0.3 }

[dataset]
kind = "digits"
max_train = 64
max_test = 32
"#;

/// Recurrent networks over 150 time steps (their depth axis), with statistics over training.
const RECURRENT: &str = r#"
name = "gallery_recurrent"
inits = ["identity", "orthogonal", "standard"]
input_init = { scheme = "normal", std = 0.01 }
output_init = "xavier_uniform"
activations = ["tanh"]
architectures = ["rnn", { kind = "lstm", forget_bias = "chrono" }]
depths = [1]
widths = [8]
seeds = [0]
lrs = [0.001]
optimizers = ["adam"]

[train]
steps = 4
batch_size = 8
probe_every = 2
probe_size = 16
probe_batch = "fixed"
eval_every = 2

[dataset]
kind = "adding"
length = 150
samples = 64
scaling = "none"
"#;

/// `(width, height)` of a PNG, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

/// The value of attribute `name` in an SVG tag.
fn attribute(tag: &str, name: &str) -> Option<f64> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    tag[start..end].parse().ok()
}

/// The x position of every `<text>` whose content is exactly `content`.
fn text_positions(svg: &str, content: &str) -> Vec<f64> {
    svg.split("<text")
        .skip(1)
        .filter_map(|chunk| {
            let (tag, rest) = chunk.split_once('>')?;
            let text = rest.split("</text>").next()?.trim();
            (text == content).then(|| attribute(tag, "x")).flatten()
        })
        .collect()
}

/// Checks every chart of `dir/plots`; returns the stems drawn.
fn check_charts(dir: &Path) -> Vec<String> {
    let mut stems = Vec::new();
    for entry in std::fs::read_dir(dir.join("plots")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if let Some(stem) = name.strip_suffix(".png") {
            let (w, h) = png_size(&std::fs::read(&path).unwrap());
            assert!(w >= 400 && h >= 300, "{name}: {w}x{h}");
            assert!(
                f64::from(w) * f64::from(h) <= 8.1e6,
                "{name}: {w}x{h} passes the PNG budget"
            );
            stems.push(stem.to_string());
        } else if name.ends_with(".svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            for bad in ["NaN", "inf\"", "=\"-inf", "=\"inf"] {
                assert!(!svg.contains(bad), "{name} holds `{bad}`");
            }
            // Layers are on a colour bar: no legend entry per layer, however deep.
            assert!(
                text_positions(&svg, "layer 1").is_empty(),
                "{name}: a legend entry per layer"
            );
        }
    }
    stems.sort();
    stems
}

/// In `act_var_init` (one panel per group, the schemes only in the key), every scheme's legend
/// text lies right of the panels.
fn check_key_beside_panels(dir: &Path, schemes: &[&str], groups: usize) {
    let svg = std::fs::read_to_string(dir.join("plots/act_var_init.svg")).unwrap();
    let columns = (groups as f64).sqrt().ceil().min(4.0);
    let panels_right = 520.0 * columns;
    for scheme in schemes {
        let label = scheme.trim_matches('"');
        let label = if label.starts_with('{') {
            continue;
        } else {
            label
        };
        let xs = text_positions(&svg, label);
        assert!(!xs.is_empty(), "`{label}` is not in the key");
        for x in xs {
            assert!(x > panels_right, "`{label}` at x = {x}, over the panels");
        }
    }
}

#[test]
fn every_family_reads_at_depth_3_30_and_150_with_1_5_and_12_schemes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut drawn: Vec<String> = Vec::new();
    for (schemes, activation) in [(1, "tanh"), (5, "relu"), (12, "tanh")] {
        let config = write_config(
            tmp.path(),
            &format!("g{schemes}.toml"),
            &grid(schemes, activation),
        );
        let out = tmp.path().join(format!("g{schemes}"));
        let output = run_quiet(tmp.path(), &config, &out, &[]);
        assert!(output.status.success(), "{}", stderr(&output));
        let stems = check_charts(&out);
        // Every depth has its faceted figures.
        for depth in [3, 30, 150] {
            let facet = format!("{activation}_depth_{depth}_width_6");
            for family in ["act_var_train", "dead_train", "hist_init", "hist_final"] {
                assert!(
                    stems.contains(&format!("{family}__{facet}")),
                    "{schemes} schemes: no {family}__{facet}"
                );
            }
        }
        check_key_beside_panels(&out, &SCHEMES[..schemes], 3);
        if schemes == 12 {
            // normal(0.01) at depth 150: deep layers' variance is exactly 0 (f32 underflow),
            // marked at the log axis' floor, and the key says what the marks mean.
            let svg = std::fs::read_to_string(
                out.join("plots/act_var_train__tanh_depth_150_width_6.svg"),
            )
            .unwrap();
            assert!(
                !text_positions(&svg, "exactly 0 (at the floor)").is_empty(),
                "the zero markers of layers have no key entry"
            );
        }
        drawn.extend(stems);
    }
    let config = write_config(tmp.path(), "phase.toml", PHASE);
    let out = tmp.path().join("phase");
    let output = run_quiet(tmp.path(), &config, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    drawn.extend(check_charts(&out));
    let config = write_config(tmp.path(), "coord.toml", COORD);
    let out = tmp.path().join("coord");
    let output = run_quiet(tmp.path(), &config, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    drawn.extend(check_charts(&out));
    let config = write_config(tmp.path(), "recurrent.toml", RECURRENT);
    let out = tmp.path().join("recurrent");
    let output = run_quiet(tmp.path(), &config, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    drawn.extend(check_charts(&out));
    // Every registered family drew at least one figure.
    for family in &initlab::charts::families::FAMILIES {
        for stem in family.stems {
            assert!(
                drawn
                    .iter()
                    .any(|d| d == stem.name || d.starts_with(&format!("{}__", stem.name))),
                "no gallery grid drew `{}`",
                stem.name
            );
        }
    }
}
