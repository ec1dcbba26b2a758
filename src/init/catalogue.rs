//! The scheme catalogue that `initlab list schemes` prints: every name a config accepts, its
//! parameters with their defaults, its rule and its source.

/// One scheme's entry in the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct SchemeInfo {
    pub name: &'static str,
    pub aliases: &'static str,
    /// Parameters with defaults; a parameter without a default is required.
    pub params: &'static str,
    pub rule: &'static str,
    pub source: &'static str,
}

const fn info(
    name: &'static str,
    aliases: &'static str,
    params: &'static str,
    rule: &'static str,
    source: &'static str,
) -> SchemeInfo {
    SchemeInfo {
        name,
        aliases,
        params,
        rule,
        source,
    }
}

/// Every weight scheme, in the order of [`super::InitScheme::NAMES`].
pub const CATALOGUE: [SchemeInfo; 20] = [
    info("zeros", "", "", "W = 0 (units of a layer stay identical: symmetry is never broken)", "textbook"),
    info("constant", "", "value", "W = value", "textbook"),
    info("uniform", "", "low, high", "W ~ U(low, high)", ""),
    info("normal", "", "std, mean=0", "W ~ N(mean, std^2), e.g. std 0.01 (the pre-2010 habit)", ""),
    info(
        "standard",
        "torch_default",
        "",
        "W ~ U(+-1/sqrt(fan_in)), fan_in*Var = 1/3; default bias U(+-1/sqrt(fan_in))",
        "Glorot & Bengio 2010 eq. 1; PyTorch nn.Linear",
    ),
    info("lecun_normal", "", "", "W ~ N(0, 1/fan_in)", "LeCun et al. 1998"),
    info("lecun_uniform", "", "", "W ~ U(+-sqrt(3/fan_in))", "LeCun et al. 1998"),
    info(
        "xavier_normal",
        "glorot_normal",
        "gain=1",
        "W ~ N(0, gain^2 * 2/(fan_in+fan_out))",
        "Glorot & Bengio 2010",
    ),
    info(
        "xavier_uniform",
        "glorot_uniform",
        "gain=1",
        "W ~ U(+-gain*sqrt(6/(fan_in+fan_out)))",
        "Glorot & Bengio 2010",
    ),
    info(
        "he_normal",
        "kaiming_normal",
        "mode=fan_in|fan_out, negative_slope=0",
        "W ~ N(0, 2/((1+a^2)*fan))",
        "He et al. 2015",
    ),
    info(
        "he_uniform",
        "kaiming_uniform",
        "mode=fan_in|fan_out, negative_slope=0",
        "W ~ U(+-sqrt(6/((1+a^2)*fan)))",
        "He et al. 2015",
    ),
    info(
        "variance_scaling",
        "",
        "scale=1, mode=fan_in|fan_out|fan_avg, distribution=truncated_normal|normal|uniform",
        "Var = scale/n; truncated: N(0, (sqrt(scale/n)/0.8796)^2) redrawn beyond 2 sd, so the sd after truncation is sqrt(scale/n); uniform bound sqrt(3*scale/n)",
        "Keras, JAX",
    ),
    info(
        "trunc_normal",
        "",
        "mean=0, std=1, a=-2, b=2",
        "N(mean, std^2) restricted to the absolute interval [a, b], no variance correction",
        "PyTorch trunc_normal_",
    ),
    info(
        "orthogonal",
        "",
        "gain=1",
        "QR of a Gaussian (max x min) matrix, columns times sign(diag R) (Haar), times gain",
        "Saxe et al. 2013",
    ),
    info(
        "identity",
        "eye",
        "gain=1",
        "gain on the main diagonal, 0 elsewhere (partial identity when not square)",
        "Le, Jaitly & Hinton 2015",
    ),
    info(
        "zer_o",
        "",
        "",
        "deterministic: partial identity; where fan_out > fan_in, 2^(-(m-1)/2) x the Hadamard matrix H_m (m = ceil(log2 fan_out)) cut to shape",
        "Zhao, Schafer & Anandkumar 2021 (ZerO)",
    ),
    info(
        "sparse",
        "",
        "k=15, std=1",
        "each unit gets exactly min(k, fan_in) non-zero incoming weights ~ N(0, std^2)",
        "Martens 2010",
    ),
    info(
        "random_walk",
        "",
        "",
        "W ~ N(0, g^2/N), N = fan_in; linear g = exp(1/(2N)), ReLU g = sqrt(2)*exp(1.2/(max(N,6)-2.4))",
        "Sussillo & Abbott 2014",
    ),
    info(
        "critical",
        "",
        "sigma_w2, sigma_b2=0",
        "W ~ N(0, sigma_w2/fan_in); default bias N(0, sigma_b2)",
        "Poole et al. 2016; Schoenholz et al. 2017",
    ),
    info(
        "lsuv",
        "",
        "tol=0.1, max_iter=10, batch=256",
        "orthogonal, then per layer on `batch` training examples W <- W/sqrt(Var(z)) until |Var(z)-1| < tol",
        "Mishkin & Matas 2015",
    ),
];

/// The catalogue as a plain-text table.
pub fn render() -> String {
    let mut out = String::new();
    for s in CATALOGUE {
        out.push_str(s.name);
        if !s.aliases.is_empty() {
            out.push_str(&format!(" (alias {})", s.aliases));
        }
        out.push('\n');
        if !s.params.is_empty() {
            out.push_str(&format!("    parameters: {}\n", s.params));
        }
        out.push_str(&format!("    rule:       {}\n", s.rule));
        if !s.source.is_empty() {
            out.push_str(&format!("    source:     {}\n", s.source));
        }
    }
    out.push_str(
        "\nBias schemes (the `biases` axis): default (the weight scheme's own rule: standard, \
         critical; zero otherwise), zeros, constant(value), normal(std, mean=0).\n\
         Write a scheme as a name (\"he_normal\") or a table ({ scheme = \"normal\", std = 0.01 }).\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::super::InitScheme;
    use super::CATALOGUE;

    #[test]
    fn the_catalogue_lists_every_scheme_in_order() {
        let names: Vec<&str> = CATALOGUE.iter().map(|s| s.name).collect();
        assert_eq!(names, InitScheme::NAMES);
    }
}
