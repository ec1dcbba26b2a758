//! Loaders on tiny files written here, the bundled digits, the synthetic sets, preprocessing.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;

use super::*;

fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend(data);
    bytes
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn idx_files_load_raw_and_gzipped() {
    let dir = tempfile::tempdir().unwrap();
    // 3 images of 2x2, labels 7, 0, 9; the test files are gzipped.
    let pixels: Vec<u8> = (0..12).collect();
    write(
        dir.path(),
        "train-images-idx3-ubyte",
        &idx(&[3, 2, 2], &pixels),
    );
    write(
        dir.path(),
        "train-labels-idx1-ubyte",
        &idx(&[3], &[7, 0, 9]),
    );
    write(
        dir.path(),
        "t10k-images-idx3-ubyte.gz",
        &gz(&idx(&[1, 2, 2], &[255, 0, 0, 1])),
    );
    write(
        dir.path(),
        "t10k-labels-idx1-ubyte.gz",
        &gz(&idx(&[1], &[3])),
    );
    let (train, test) = files::mnist(dir.path()).unwrap();
    assert_eq!((train.n, train.dim), (3, 4));
    assert_eq!(train.x, (0..12).map(|v| v as f32).collect::<Vec<_>>());
    assert_eq!(train.y, Targets::Labels(vec![7, 0, 9]));
    assert_eq!(test.x, vec![255.0, 0.0, 0.0, 1.0]);
    assert_eq!(test.y, Targets::Labels(vec![3]));

    let config: DatasetConfig = toml::from_str(&format!(
        "kind = \"mnist\"\ndir = {:?}\nscaling = \"unit_interval\"",
        dir.path()
    ))
    .unwrap();
    let data = config.build().unwrap();
    assert_eq!(data.task, Task::Classification { classes: 10 });
    assert_eq!(data.train.x[..4], [0.0, 0.0, 0.0, 0.0]);
    assert_eq!(data.train.x[8..], [1.0, 1.0, 1.0, 1.0]);
}

fn error_of(result: Result<impl std::fmt::Debug, DataError>) -> String {
    result.expect_err("must fail").to_string()
}

#[test]
fn bad_idx_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = write(dir.path(), "wrong", &[1, 2, 8, 1, 0, 0, 0, 1, 5]);
    let message = error_of(read_idx(&wrong));
    assert!(
        message.contains("wrong") && message.contains("magic"),
        "{message}"
    );
    let short = write(dir.path(), "short", &idx(&[4, 2], &[1, 2, 3]));
    let message = error_of(read_idx(&short));
    assert!(
        message.contains("short") && message.contains("need 8 bytes, found 3"),
        "{message}"
    );
    let header = write(dir.path(), "header", &[0, 0, 8, 3, 0, 0]);
    assert!(error_of(read_idx(&header)).contains("truncated IDX header"));
    let badgz = write(dir.path(), "bad.gz", b"not gzip at all");
    assert!(error_of(read_idx(&badgz)).contains("gzip"));
    let message = error_of(read_idx(&dir.path().join("absent")));
    assert!(
        message.contains("absent") && message.contains("cannot read"),
        "{message}"
    );
    // A label beyond 9 in an otherwise valid set.
    write(
        dir.path(),
        "train-images-idx3-ubyte",
        &idx(&[1, 1, 1], &[0]),
    );
    write(dir.path(), "train-labels-idx1-ubyte", &idx(&[1], &[12]));
    write(dir.path(), "t10k-images-idx3-ubyte", &idx(&[1, 1, 1], &[0]));
    write(dir.path(), "t10k-labels-idx1-ubyte", &idx(&[1], &[1]));
    let message = error_of(files::mnist(dir.path()));
    assert!(
        message.contains("label 12") && message.contains("train-labels"),
        "{message}"
    );
    let message = error_of(files::mnist(&dir.path().join("nowhere")));
    assert!(message.contains("train-images-idx3-ubyte"), "{message}");
}

#[test]
fn cifar_records_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut record = vec![4u8];
    record.extend((0..3072).map(|i| (i % 256) as u8));
    let mut two = record.clone();
    two.extend(std::iter::once(9).chain((0..3072).map(|_| 7u8)));
    write(dir.path(), "data_batch_1.bin", &two);
    write(dir.path(), "test_batch.bin", &record);
    let (train, test) = files::cifar10(dir.path()).unwrap();
    assert_eq!((train.n, train.dim, test.n), (2, 3072, 1));
    assert_eq!(train.y, Targets::Labels(vec![4, 9]));
    assert_eq!(train.x[255], 255.0);
    assert_eq!(train.x[3072], 7.0);
    let bad = write(dir.path(), "bad.bin", &record[..100]);
    assert!(error_of(read_cifar10_batch(&bad)).contains("whole number of 3073-byte"));
    let mut label = record.clone();
    label[0] = 10;
    let label = write(dir.path(), "label.bin", &label);
    assert!(error_of(read_cifar10_batch(&label)).contains("label 10 of record 0"));
}

#[test]
fn csv_loads_and_rejects_bad_cells() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.csv",
        b"label,a,b\n1,0.5,2\n0,-1,3e1\n2,4,5\n",
    );
    let e = read_csv(&good, true, 0, false, None).unwrap();
    assert_eq!((e.n, e.dim), (3, 2));
    assert_eq!(e.x, vec![0.5, 2.0, -1.0, 30.0, 4.0, 5.0]);
    assert_eq!(e.y, Targets::Labels(vec![1, 0, 2]));
    let regression = read_csv(&good, true, 2, true, None).unwrap();
    assert_eq!(regression.y, Targets::Values(vec![2.0, 30.0, 5.0]));

    let bad = write(dir.path(), "bad.csv", b"label,a\n1,0.5\n0,abc\n");
    let message = error_of(read_csv(&bad, true, 0, false, None));
    assert!(
        message.contains("bad.csv") && message.contains("line 3, column 2: `abc`"),
        "{message}"
    );
    let range = write(dir.path(), "range.csv", b"3,1.0\n1,2.0\n");
    let message = error_of(read_csv(&range, false, 0, false, Some(3)));
    assert!(
        message.contains("range.csv") && message.contains("label 3 is not in 0..3"),
        "{message}"
    );
    let negative = write(dir.path(), "neg.csv", b"-1,1.0\n");
    assert!(error_of(read_csv(&negative, false, 0, false, None)).contains("label -1"));
    let ragged = write(dir.path(), "ragged.csv", b"1,1.0\n1,2.0,3.0\n");
    assert!(error_of(read_csv(&ragged, false, 0, false, None)).contains("ragged.csv"));
    let message = error_of(read_csv(
        &dir.path().join("missing.csv"),
        true,
        0,
        false,
        None,
    ));
    assert!(message.contains("missing.csv"), "{message}");
}

fn build(text: &str) -> Dataset {
    toml::from_str::<DatasetConfig>(text)
        .unwrap()
        .build()
        .unwrap()
}

fn column_stats(e: &Examples, j: usize) -> (f64, f64) {
    let col: Vec<f64> = (0..e.n).map(|i| f64::from(e.x[i * e.dim + j])).collect();
    let mean = col.iter().sum::<f64>() / e.n as f64;
    (
        mean,
        col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / e.n as f64,
    )
}

#[test]
fn the_bundled_digits_load_and_standardize() {
    let raw = digits::digits().unwrap();
    assert_eq!((raw.n, raw.dim), (1797, 64));
    let Targets::Labels(labels) = &raw.y else {
        panic!("labels")
    };
    for c in 0..10 {
        assert!(
            labels.iter().filter(|&&l| l == c).count() > 170,
            "class {c}"
        );
    }
    assert!(raw.x.iter().all(|&v| (0.0..=16.0).contains(&v)));
    let data = build("kind = \"digits\"");
    assert_eq!(data.task, Task::Classification { classes: 10 });
    assert_eq!(data.train.n + data.test.n, 1797);
    assert_eq!(data.test.n, 359);
    for j in 0..64 {
        let (mean, var) = column_stats(&data.train, j);
        // Pixels that are 0 in every training image keep variance 0.
        assert!(
            mean.abs() < 1e-5 && (var < 1e-12 || (var - 1.0).abs() < 1e-4),
            "pixel {j}: {mean} {var}"
        );
    }
    assert!(
        (0..64)
            .filter(|&j| (column_stats(&data.train, j).1 - 1.0).abs() < 1e-4)
            .count()
            > 60
    );
}

#[test]
fn the_split_is_seeded_and_scaling_uses_training_statistics() {
    let a = build("kind = \"gaussian_mixture\"\nsamples = 400\nclasses = 4\ndim = 5\nseed = 3");
    let b = build("kind = \"gaussian_mixture\"\nsamples = 400\nclasses = 4\ndim = 5\nseed = 3");
    assert_eq!(a.train.x, b.train.x);
    assert_eq!((a.train.n, a.test.n), (320, 80));
    let (mean, var) = column_stats(&a.train, 0);
    assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5);
    let (test_mean, _) = column_stats(&a.test, 0);
    assert!(
        test_mean.abs() > 1e-4,
        "the test split is scaled with training statistics, not its own"
    );
    let capped = build(
        "kind = \"gaussian_mixture\"\nsamples = 400\nclasses = 4\nmax_train = 50\nmax_test = 7",
    );
    assert_eq!((capped.train.n, capped.test.n), (50, 7));
    let c = build("kind = \"gaussian_mixture\"\nsamples = 400\nclasses = 4\ndim = 5\nseed = 4");
    assert_ne!(a.train.x, c.train.x);
}

#[test]
fn shapeset_images_are_32_by_32_in_the_unit_interval_with_nine_classes() {
    let a = shapeset(180, 5);
    assert_eq!((a.n, a.dim), (180, 1024));
    assert!(a.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    let Targets::Labels(labels) = &a.y else {
        panic!("labels")
    };
    for c in 0..9 {
        assert_eq!(labels.iter().filter(|&&l| l == c).count(), 20, "class {c}");
    }
    // Every image shows something, and two-shape images have more ink on average.
    let ink = |i: usize| {
        a.x[i * 1024..(i + 1) * 1024]
            .iter()
            .filter(|&&v| v > 0.0)
            .count()
    };
    assert!((0..180).all(|i| ink(i) >= 6));
    let mean_ink = |two: bool| {
        let ids: Vec<usize> = (0..180).filter(|&i| (labels[i] >= 3) == two).collect();
        ids.iter().map(|&i| ink(i)).sum::<usize>() as f64 / ids.len() as f64
    };
    assert!(mean_ink(true) > 1.3 * mean_ink(false));
    assert_eq!(a.x, shapeset(180, 5).x);
    assert_ne!(a.x, shapeset(180, 6).x);
}

#[test]
fn teacher_regression_and_classification() {
    let r = build("kind = \"teacher\"\ntask = \"regression\"\noutputs = 2\nsamples = 100\ndim = 4");
    assert_eq!(r.task, Task::Regression { outputs: 2 });
    let Targets::Values(v) = &r.train.y else {
        panic!("values")
    };
    assert_eq!(v.len(), 80 * 2);
    let c = build("kind = \"teacher\"\noutputs = 3\nsamples = 300");
    assert_eq!(c.task, Task::Classification { classes: 3 });
    let Targets::Labels(l) = &c.train.y else {
        panic!("labels")
    };
    assert!((0..3).all(|k| l.contains(&k)), "every class occurs");
}

#[test]
fn the_adding_problem_marks_one_step_per_half_and_sums_them() {
    let d = build("kind = \"adding\"\nlength = 10\nsamples = 20000\nscaling = \"none\"");
    assert_eq!(d.task, Task::Regression { outputs: 1 });
    assert_eq!(d.train.dim, 20);
    assert_eq!(d.name, "adding(10)");
    let Targets::Values(y) = &d.train.y else {
        panic!("values")
    };
    for (i, &target) in y.iter().enumerate() {
        let row = &d.train.x[i * 20..(i + 1) * 20];
        let marked: Vec<usize> = (0..10).filter(|&t| row[2 * t + 1] == 1.0).collect();
        assert_eq!(marked.len(), 2, "two markers");
        assert!(marked[0] < 5 && marked[1] >= 5, "one per half: {marked:?}");
        assert!((0..10).all(|t| row[2 * t + 1] == 0.0 || row[2 * t + 1] == 1.0));
        assert!((0..10).all(|t| (0.0..1.0).contains(&row[2 * t])));
        let sum = row[2 * marked[0]] + row[2 * marked[1]];
        assert!((target - sum).abs() < 1e-6);
    }
    // Predicting the mean, 1, scores Var(u_a + u_b) = 1/6 (16,000 examples: within 0.005).
    let mse = y.iter().map(|&v| (f64::from(v) - 1.0).powi(2)).sum::<f64>() / y.len() as f64;
    assert!((mse - 1.0 / 6.0).abs() < 0.005, "{mse}");
    // Seeded: the same examples again, others with another seed.
    let again = build("kind = \"adding\"\nlength = 10\nsamples = 20000\nscaling = \"none\"");
    assert_eq!(again.train.x, d.train.x);
    let other =
        build("kind = \"adding\"\nlength = 10\nsamples = 20000\nscaling = \"none\"\nseed = 1");
    assert_ne!(other.train.x, d.train.x);
    let e = toml::from_str::<DatasetConfig>("kind = \"adding\"\nlength = 1")
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(e.contains("dataset.length must be at least 2"), "{e}");
}

#[test]
fn the_copy_task_shows_symbols_then_asks_for_them_after_the_delimiter() {
    let text = "kind = \"copy\"\nlength = 4\nalphabet = 3\nsymbols = 2\nsamples = 3000\n\
                scaling = \"none\"";
    let d = build(text);
    // 2 symbols, 3 blanks, the delimiter, 2 blanks: 8 steps of 3 + 2 one-hot features.
    let (steps, step) = (8, 5);
    assert_eq!(
        d.task,
        Task::SequenceLabels {
            classes: 4,
            positions: steps
        }
    );
    assert_eq!(d.sequence(), Some((steps, step)));
    assert_eq!(d.name, "copy(4;2of3)");
    let Targets::Labels(labels) = &d.train.y else {
        panic!("labels")
    };
    assert_eq!(labels.len(), d.train.n * steps);
    let mut counts = [0usize; 4];
    for i in 0..d.train.n {
        let row = &d.train.x[i * steps * step..(i + 1) * steps * step];
        let shown: Vec<usize> = (0..steps)
            .map(|t| {
                let code = &row[t * step..(t + 1) * step];
                assert_eq!(code.iter().sum::<f32>(), 1.0, "one-hot");
                code.iter().position(|&v| v == 1.0).unwrap()
            })
            .collect();
        assert!(
            shown[..2].iter().all(|&s| (1..=3).contains(&s)),
            "{shown:?}"
        );
        assert_eq!(shown[2..], [0, 0, 0, 4, 0, 0], "blanks, delimiter, blanks");
        let want: Vec<u32> = [0, 0, 0, 0, 0, 0, shown[0], shown[1]]
            .iter()
            .map(|&s| s as u32)
            .collect();
        assert_eq!(labels[i * steps..(i + 1) * steps], want[..]);
        for &s in &shown[..2] {
            counts[s] += 1;
        }
    }
    // Symbols are uniform over the alphabet (4,800 draws: each within 10% of 1,600).
    for &c in &counts[1..] {
        assert!((c as f64 / 1600.0 - 1.0).abs() < 0.1, "{counts:?}");
    }
    // Examples keep their labels together through a selection and a batch.
    let picked = d.train.select(&[3, 1]);
    let Targets::Labels(kept) = &picked.y else {
        panic!("labels")
    };
    assert_eq!(kept[..steps], labels[3 * steps..4 * steps]);
    assert_eq!(kept[steps..], labels[steps..2 * steps]);
    let (_, y) = d.train.batch(&[3, 1], &candle_core::Device::Cpu).unwrap();
    assert_eq!(y.dims(), [2, steps]);
    // Arjovsky, Shah & Bengio's baseline at T = 100: 10·ln 8 / 120 nats a step.
    let paper = CopyTask {
        length: 100,
        alphabet: 8,
        symbols: 10,
    };
    assert!((paper.baseline() - 0.173_286_795).abs() < 1e-9);
    // The step is the task's own; a length of 0 has no delimiter step.
    let refused = |text: &str| {
        toml::from_str::<DatasetConfig>(text)
            .unwrap()
            .validate()
            .unwrap_err()
    };
    let e = refused("kind = \"copy\"\nstep = 7");
    assert!(e.contains("alphabet + 2 = 10 features per step"), "{e}");
    let e = refused("kind = \"copy\"\nlength = 0");
    assert!(e.contains("dataset.length must be at least 1"), "{e}");
}

#[test]
fn unknown_dataset_keys_are_refused() {
    let e = toml::from_str::<DatasetConfig>("kind = \"digits\"\nclasses = 3").unwrap_err();
    assert!(e.to_string().contains("unknown field `classes`"), "{e}");
    let e = toml::from_str::<DatasetConfig>("kind = \"imagenet\"").unwrap_err();
    assert!(e.to_string().contains("imagenet"), "{e}");
}
