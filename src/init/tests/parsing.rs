//! How schemes are written in a config: names and tables parse, bias and read-out schemes follow
//! their rules, and bad parameters are refused naming the scheme and the parameter.

use super::*;

#[test]
fn parses_names_and_tables() {
    let parse = |s: &str| -> Result<InitScheme, toml::de::Error> { toml::from_str(s) };
    assert_eq!(
        parse("scheme = \"he_normal\"").unwrap(),
        InitScheme::HeNormal {
            mode: FanMode::FanIn,
            negative_slope: 0.0
        }
    );
    assert_eq!(
        parse("scheme = \"glorot_uniform\"").unwrap(),
        InitScheme::XavierUniform { gain: 1.0 }
    );
    assert_eq!(
        parse("scheme = \"torch_default\"").unwrap(),
        InitScheme::Standard {}
    );
    assert_eq!(
        parse("scheme = \"normal\"\nstd = 0.01").unwrap(),
        InitScheme::Normal {
            mean: 0.0,
            std: 0.01
        }
    );
    assert!(parse("scheme = \"normal\"")
        .unwrap_err()
        .to_string()
        .contains("std"));
    assert!(parse("scheme = \"bogus\"")
        .unwrap_err()
        .to_string()
        .contains("bogus"));
    assert!(parse("scheme = \"orthogonal\"\ngian = 2.0").is_err());
    // Schemes without parameters refuse parameters too.
    let e = parse("scheme = \"lecun_normal\"\ngain = 2.0").unwrap_err();
    assert!(e.to_string().contains("unknown field `gain`"), "{e}");
}

#[test]
fn bias_schemes_follow_their_rules() {
    let init = |hidden: InitScheme, bias: BiasScheme| NetworkInit {
        input: None,
        hidden,
        output: None,
        bias,
    };
    let sizes = [400, 300, 10];
    // `standard` with the default bias: PyTorch's U(±1/√fan_in).
    let params =
        init(InitScheme::Standard {}, BiasScheme::Default {}).draw(&sizes, Activation::Relu, 0);
    let b = &params[0].1;
    let bound = 1.0 / 20.0;
    assert!(b.iter().all(|&v| v.abs() <= bound) && b.iter().any(|&v| v.abs() > 0.9 * bound));
    // `critical` with the default bias: N(0, σ_b²).
    let critical = InitScheme::Critical {
        sigma_w2: 2.0,
        sigma_b2: 0.25,
    };
    let params = init(critical, BiasScheme::Default {}).draw(&[400, 4000, 10], Activation::Tanh, 0);
    let (_, v) = mean_var(&params[0].1);
    assert!((v / 0.25 - 1.0).abs() < 0.1, "bias variance {v}");
    // Other schemes' default bias is zero; constant and normal are explicit.
    let params =
        init(InitScheme::LecunNormal {}, BiasScheme::Default {}).draw(&sizes, Activation::Relu, 0);
    assert!(params.iter().all(|(_, b)| b.iter().all(|&v| v == 0.0)));
    let params = init(
        InitScheme::LecunNormal {},
        BiasScheme::Constant { value: 0.1 },
    )
    .draw(&sizes, Activation::Relu, 0);
    assert!(params[0].1.iter().all(|&v| v == 0.1));
    let params = init(
        InitScheme::LecunNormal {},
        BiasScheme::Normal {
            mean: 0.0,
            std: 0.5,
        },
    )
    .draw(&[400, 4000, 10], Activation::Relu, 0);
    assert!((mean_var(&params[0].1).1 / 0.25 - 1.0).abs() < 0.1);
}

#[test]
fn the_read_out_may_take_its_own_scheme() {
    let init = NetworkInit {
        input: None,
        hidden: InitScheme::LecunNormal {},
        output: Some(InitScheme::Zeros {}),
        bias: BiasScheme::Zeros {},
    };
    let params = init.draw(&[8, 16, 16, 3], Activation::Tanh, 1);
    assert!(params[2].0.iter().all(|&w| w == 0.0));
    assert!(params[1].0.iter().any(|&w| w != 0.0));
    // Adding a layer does not change the draws of the others.
    let deeper = init.draw(&[8, 16, 16, 16, 3], Activation::Tanh, 1);
    assert_eq!(params[0], deeper[0]);
    assert_eq!(params[1], deeper[1]);
}

#[test]
fn bad_parameters_name_the_scheme_and_the_parameter() {
    let cases = [
        (
            InitScheme::Normal {
                mean: 0.0,
                std: -1.0,
            },
            "std",
        ),
        (InitScheme::XavierUniform { gain: 0.0 }, "gain"),
        (InitScheme::Orthogonal { gain: -1.0 }, "gain"),
        (
            InitScheme::Sparse { k: 0, std: 1.0 },
            "k must be at least 1",
        ),
        (
            InitScheme::Uniform {
                low: 1.0,
                high: 1.0,
            },
            "low",
        ),
        (
            InitScheme::TruncNormal {
                mean: 0.0,
                std: 1.0,
                a: 2.0,
                b: -2.0,
            },
            "a (2) must be below b",
        ),
        (
            InitScheme::VarianceScaling {
                scale: 0.0,
                mode: ScalingMode::FanIn,
                distribution: ScalingDistribution::Normal,
            },
            "scale",
        ),
        (
            InitScheme::Critical {
                sigma_w2: -1.0,
                sigma_b2: 0.0,
            },
            "sigma_w2",
        ),
        (
            InitScheme::Lsuv {
                tol: 0.1,
                max_iter: 0,
                batch: 256,
            },
            "max_iter",
        ),
    ];
    for (scheme, param) in cases {
        let message = scheme.validate().expect_err(&scheme.to_string());
        let name = scheme.to_string();
        let name = name.split('(').next().unwrap();
        assert!(
            message.contains(name) && message.contains(param),
            "{message}"
        );
    }
}

#[test]
fn every_catalogue_name_parses() {
    for name in InitScheme::NAMES {
        let required = match name {
            "constant" => "\nvalue = 0.5",
            "uniform" => "\nlow = -1.0\nhigh = 1.0",
            "normal" => "\nstd = 0.1",
            "critical" => "\nsigma_w2 = 1.5",
            _ => "",
        };
        let scheme: InitScheme = toml::from_str(&format!("scheme = \"{name}\"{required}"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        scheme.validate().unwrap();
        assert!(
            scheme.to_string().starts_with(name),
            "{scheme} is labelled after {name}"
        );
    }
}
