//! The arithmetic of scikit-learn's linear models and naive Bayes, in numpy's and scipy's
//! order of operations: row scores `X @ coef_.T + intercept_` (a sequential sum, which is
//! what scipy does for CSR input), `expit`, `softmax`, numpy's pairwise `np.sum` and
//! scikit-learn's `_logsumexp`.

use crate::data::{Csr, Data, Matrix};
use crate::error::{InputError, Result};
use crate::model::Meta;

/// `np.sum` of a 1-D array (or of one row with `axis=1`): the identity 0.0 plus numpy's
/// pairwise sum (`pairwise_sum_DOUBLE` in `loops_utils.h.src`), which adds 8 running sums
/// for blocks of up to 128 items and halves larger ranges.
pub fn numpy_sum(values: &[f64]) -> f64 {
    0.0 + pairwise_sum(values)
}

fn pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        let mut sum = 0.0;
        for &value in values {
            sum += value;
        }
        sum
    } else if n <= 128 {
        let mut partial = [0.0; 8];
        partial.copy_from_slice(&values[..8]);
        let mut index = 8;
        while index < n - n % 8 {
            for (lane, sum) in partial.iter_mut().enumerate() {
                *sum += values[index + lane];
            }
            index += 8;
        }
        let mut sum = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
            + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        for &value in &values[index..] {
            sum += value;
        }
        sum
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
    }
}

/// `np.max` of a row: NaN wins, as numpy's `maximum` propagates it.
pub fn numpy_max(values: &[f64]) -> f64 {
    let mut best = values.first().copied().unwrap_or(f64::NAN);
    for &value in values.iter().skip(1) {
        if best.is_nan() {
            break;
        }
        if value.is_nan() || value > best {
            best = value;
        }
    }
    best
}

/// `scipy.special.expit` (xsf: `1 / (1 + exp(-x))` with libm's `exp`).
pub fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `sklearn.utils.extmath.softmax` of one row, in place: subtract the row's maximum, `exp`,
/// divide by the row's `np.sum`.
pub fn softmax(row: &mut [f64]) {
    let max = numpy_max(row);
    for value in row.iter_mut() {
        *value = (*value - max).exp();
    }
    let sum = numpy_sum(row);
    for value in row.iter_mut() {
        *value /= sum;
    }
}

/// The normalisation of one-vs-rest probabilities (`_predict_proba_lr` and the modified
/// Huber loss of `SGDClassifier`): a row summing to 0 becomes uniform, then every item is
/// divided by the row's sum.
pub fn normalize(row: &mut [f64]) {
    let mut sum = numpy_sum(row);
    if sum == 0.0 {
        row.iter_mut().for_each(|value| *value = 1.0);
        sum = row.len() as f64;
    }
    for value in row.iter_mut() {
        *value /= sum;
    }
}

/// `sklearn.utils._array_api._logsumexp` of one row: the maxima are counted (`m`) and left
/// out of the shifted sum `s`, then `log1p(s / m) + log(m) + max`.
pub fn logsumexp(row: &[f64]) -> f64 {
    let max = numpy_max(row);
    let count = row.iter().filter(|&&value| value == max).count() as f64;
    let shift = if max.is_finite() { max } else { 0.0 };
    let exps: Vec<f64> = row
        .iter()
        .map(|&value| {
            let value = if value == max {
                f64::NEG_INFINITY
            } else {
                value
            };
            (value - shift).exp()
        })
        .collect();
    let mut sum = numpy_sum(&exps);
    if sum != 0.0 {
        sum /= count;
    }
    sum.ln_1p() + count.ln() + max
}

/// Fails when a stored value of a sparse batch is NaN or infinite (scikit-learn checks
/// `X.data`).
pub fn check_finite_sparse(meta: &Meta, x: &Csr) -> Result<()> {
    for (row, (columns, values)) in x.iter_rows().enumerate() {
        if let Some(at) = values.iter().position(|value| !value.is_finite()) {
            return Err(InputError::Value {
                reason: format!(
                    "input contains NaN or infinity (row {row}, column {}), which {} does not accept",
                    columns[at],
                    meta.who()
                ),
            }
            .into());
        }
    }
    Ok(())
}

/// `X @ coef_.T + intercept_` for `outputs` rows of `features` weights.
#[derive(Debug, Clone)]
pub struct Linear {
    /// `coef_`, one row of `features` weights per output (row-major).
    coef: Vec<f64>,
    /// `intercept_`, one per output (broadcast from a scalar or a 1-item array).
    intercept: Vec<f64>,
    features: usize,
    outputs: usize,
    /// Whether `coef_` is 2-D (scores then keep their output axis).
    two_d: bool,
    /// Whether every weight passes [`exact_in_both_ways`].
    weights_in_range: bool,
}

impl Linear {
    /// Reads `coef_` (1-D, or 2-D of one row per output) and `intercept_` (a number, or an
    /// array of one item or one per output).
    pub fn read(obj: &crate::read::Obj<'_, '_>, meta: &Meta) -> Result<Self> {
        if let Ok(skops_trust::state::Slot::Node(id)) = obj.slot("coef_") {
            if !matches!(
                obj.file().schema().node(id).kind,
                skops_format::schema::NodeKind::NdArray(_)
            ) {
                return Err(obj.unsupported_option(format!(
                    "a `coef_` of type `{}` (a sparse one from `sparsify()`?)",
                    obj.file().schema().node(id).type_name()
                )));
            }
        }
        let (coef, shape) = obj.floats("coef_")?;
        let (outputs, features, two_d) = match shape[..] {
            [features] => (1, features, false),
            [outputs, features] => (outputs, features, true),
            _ => return Err(obj.malformed(format!("`coef_` has shape {shape:?}"))),
        };
        if let Some(n) = meta.n_features_in {
            if n != features {
                return Err(obj.malformed(format!(
                    "`coef_` has {features} columns, `n_features_in_` is {n}"
                )));
            }
        }
        let intercept = if obj.json("intercept_")?.is_some() {
            vec![obj.float("intercept_")?]
        } else {
            let (values, shape) = obj.floats("intercept_")?;
            match shape[..] {
                [] | [1] => values,
                [n] if n == outputs => values,
                _ => {
                    return Err(obj.malformed(format!(
                        "`intercept_` has shape {shape:?} for {outputs} outputs"
                    )));
                }
            }
        };
        let intercept = if intercept.len() == outputs {
            intercept
        } else {
            vec![intercept[0]; outputs]
        };
        if outputs == 0 {
            return Err(obj.malformed("`coef_` has no rows"));
        }
        Ok(Self {
            weights_in_range: coef.iter().all(|&weight| exact_in_both_ways(weight)),
            coef,
            intercept,
            features,
            outputs,
            two_d,
        })
    }

    /// The number of outputs (rows of `coef_`).
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Whether `coef_` is 2-D.
    pub fn two_d(&self) -> bool {
        self.two_d
    }

    /// The number of input columns.
    pub fn features(&self) -> usize {
        self.features
    }

    /// The scores of every row, `rows x outputs`: for each output, on CSR input a sequential
    /// sum of `x_j * w_j` from 0.0 over the stored entries in stored order, then
    /// `+ intercept`, as scipy's `csr_matvec(s)` adds them (bit-exact); on dense input the
    /// [`accurate_score`]. Refuses NaN and
    /// infinity, as `validate_data` does.
    pub fn scores(&self, meta: &Meta, x: &Data) -> Result<Matrix> {
        meta.check_width(x, Some(self.features))?;
        let mut out = Matrix::zeros(x.rows(), self.outputs);
        if let Data::Sparse(csr) = x {
            check_finite_sparse(meta, csr)?;
            for (index, (columns, values)) in csr.iter_rows().enumerate() {
                let scores = out.row_mut(index);
                for (output, score) in scores.iter_mut().enumerate() {
                    let weights = &self.coef[output * self.features..][..self.features];
                    let mut sum = 0.0;
                    for (&column, &value) in columns.iter().zip(values) {
                        sum += value * weights[column];
                    }
                    *score = sum + self.intercept[output];
                }
            }
            return Ok(out);
        }
        let dense = meta.dense(x, Some(self.features))?;
        meta.check_finite(&dense)?;
        accurate_scores(
            &dense,
            &self.coef,
            &self.intercept,
            self.weights_in_range,
            out.data_mut(),
        );
        Ok(out)
    }
}

/// [`accurate_score`] of every row of `x` against every row of `coef` (`outputs` rows of
/// `x.cols()` weights), into `out` (`rows x outputs`, row-major). `weights_in_range` says
/// every weight passed [`exact_in_both_ways`], which lets blocks of rows run the vector
/// kernel; the bits are the same either way.
pub fn accurate_scores(
    x: &Matrix,
    coef: &[f64],
    intercept: &[f64],
    weights_in_range: bool,
    out: &mut [f64],
) {
    let (features, outputs) = (x.cols(), intercept.len());
    let mut start = 0;
    #[cfg(target_arch = "x86_64")]
    if weights_in_range && features > 0 && fma_kernel::available() {
        let mut block = vec![0.0; features * fma_kernel::LANES];
        let mut sums = [0.0; fma_kernel::LANES];
        let mut errors = [0.0; fma_kernel::LANES];
        while start < x.rows() {
            let end = (start + fma_kernel::LANES).min(x.rows());
            let rows = start..end;
            if !rows
                .clone()
                .all(|row| x.row(row).iter().all(|&value| exact_in_both_ways(value)))
            {
                for row in rows {
                    score_row(
                        x.row(row),
                        coef,
                        intercept,
                        &mut out[row * outputs..][..outputs],
                    );
                }
                start = end;
                continue;
            }
            // Transposed, so that lane `l` of feature `j` is row `start + l`'s item `j`;
            // lanes past the last row stay 0 and their scores are dropped.
            block.iter_mut().for_each(|value| *value = 0.0);
            for (lane, row) in rows.clone().enumerate() {
                for (feature, &value) in x.row(row).iter().enumerate() {
                    block[feature * fma_kernel::LANES + lane] = value;
                }
            }
            for (output, &bias) in intercept.iter().enumerate() {
                let weights = &coef[output * features..][..features];
                fma_kernel::dot2(&block, weights, &mut sums, &mut errors);
                for (lane, row) in rows.clone().enumerate() {
                    out[row * outputs + output] =
                        finish_score(sums[lane], errors[lane], bias, x.row(row), weights);
                }
            }
            start = end;
        }
    }
    for row in start..x.rows() {
        score_row(
            x.row(row),
            coef,
            intercept,
            &mut out[row * outputs..][..outputs],
        );
    }
}

/// [`accurate_score`] of one row against every output.
fn score_row(row: &[f64], coef: &[f64], intercept: &[f64], scores: &mut [f64]) {
    for (output, score) in scores.iter_mut().enumerate() {
        let weights = &coef[output * row.len()..][..row.len()];
        *score = accurate_score(row, weights, intercept[output]);
    }
}

/// Whether `value` is 0 or of a magnitude in `[2^-400, 2^400]`. A product of two such
/// numbers is 0 or in `[2^-800, 2^800]`: far from underflow and overflow, so Dekker's
/// TwoProduct (Veltkamp splitting) and `fma(a, b, -a*b)` both give its exact rounding error,
/// and the vector kernel and [`accurate_score`] give the same bits.
pub fn exact_in_both_ways(value: f64) -> bool {
    const LOW: f64 = 3.872591914849318e-121; // 2^-400
    const HIGH: f64 = 2.582249878086909e120; // 2^400
    value == 0.0 || (LOW..=HIGH).contains(&value.abs())
}

/// `Σ xⱼwⱼ + b` as if computed in twice the working precision and rounded once (the `Dot2`
/// algorithm of Ogita, Rump and Oishi, 2005: error-free products and sums, the errors
/// summed on the side).
///
/// On dense input scikit-learn's BLAS sums in an order that depends on the CPU kernel and
/// the batch shape, so no order of ours can equal it; a score this accurate is off from
/// scikit-learn's by scikit-learn's own rounding error only (`docs/inference.md` gives the
/// bound), where a plain sequential sum would add a rounding error of its own of the same
/// size. A sum that overflows falls back to the plain sum (whose infinity is what BLAS gives).
pub fn accurate_score(row: &[f64], weights: &[f64], intercept: f64) -> f64 {
    let (mut sum, mut errors) = (0.0f64, 0.0f64);
    for (&value, &weight) in row.iter().zip(weights) {
        let (product, product_error) = two_product(value, weight);
        let (next, sum_error) = two_sum(sum, product);
        sum = next;
        errors += product_error + sum_error;
    }
    finish_score(sum, errors, intercept, row, weights)
}

/// The end of [`accurate_score`] from the running sum and error sum of the products: the
/// intercept added as one more TwoSum, one rounding; the plain sum when that overflows.
fn finish_score(sum: f64, errors: f64, intercept: f64, row: &[f64], weights: &[f64]) -> f64 {
    let (next, sum_error) = two_sum(sum, intercept);
    let score = next + (errors + sum_error);
    if score.is_finite() {
        return score;
    }
    row.iter()
        .zip(weights)
        .fold(0.0, |sum, (&value, &weight)| sum + value * weight)
        + intercept
}

/// The products and sums of [`accurate_score`] for 8 rows at once in AVX2 registers, the
/// product errors by FMA (exact, as Veltkamp's are when [`exact_in_both_ways`] holds); each
/// lane does one row's operations in the same order, so the bits are the scalar ones.
#[cfg(target_arch = "x86_64")]
mod fma_kernel {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_fmsub_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_set1_pd,
        _mm256_setzero_pd, _mm256_storeu_pd, _mm256_sub_pd,
    };

    /// Rows per block.
    pub(super) const LANES: usize = 8;

    /// Whether the CPU has AVX2 and FMA (checked once, then cached by std).
    pub(super) fn available() -> bool {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }

    /// The running sum and error sum of `Σ xⱼwⱼ` for the 8 rows of `block` (transposed:
    /// item `j * 8 + l` is row `l`'s item `j`).
    pub(super) fn dot2(
        block: &[f64],
        weights: &[f64],
        sums: &mut [f64; LANES],
        errors: &mut [f64; LANES],
    ) {
        assert!(available() && block.len() >= weights.len() * LANES);
        // SAFETY: the CPU has AVX2 and FMA (asserted above).
        #[allow(unsafe_code)]
        unsafe {
            dot2_avx2(block, weights, sums, errors)
        }
    }

    #[target_feature(enable = "avx2,fma")]
    fn dot2_avx2(
        block: &[f64],
        weights: &[f64],
        sums: &mut [f64; LANES],
        errors: &mut [f64; LANES],
    ) {
        let (mut sum_low, mut sum_high) = (_mm256_setzero_pd(), _mm256_setzero_pd());
        let (mut error_low, mut error_high) = (_mm256_setzero_pd(), _mm256_setzero_pd());
        for (items, &weight) in block.chunks_exact(LANES).zip(weights) {
            let weight = _mm256_set1_pd(weight);
            let (low, high) = items.split_at(4);
            let low = load(low);
            let high = load(high);
            step(&mut sum_low, &mut error_low, low, weight);
            step(&mut sum_high, &mut error_high, high, weight);
        }
        let (sums_low, sums_high) = sums.split_at_mut(4);
        store(sums_low, sum_low);
        store(sums_high, sum_high);
        let (errors_low, errors_high) = errors.split_at_mut(4);
        store(errors_low, error_low);
        store(errors_high, error_high);
    }

    /// One term of `accurate_score`: TwoProduct (by FMA), TwoSum, `errors += pe + se`.
    #[target_feature(enable = "avx2,fma")]
    fn step(sum: &mut __m256d, errors: &mut __m256d, x: __m256d, w: __m256d) {
        let product = _mm256_mul_pd(x, w);
        let product_error = _mm256_fmsub_pd(x, w, product);
        let next = _mm256_add_pd(*sum, product);
        let b_virtual = _mm256_sub_pd(next, *sum);
        let a_virtual = _mm256_sub_pd(next, b_virtual);
        let sum_error = _mm256_add_pd(
            _mm256_sub_pd(*sum, a_virtual),
            _mm256_sub_pd(product, b_virtual),
        );
        *sum = next;
        *errors = _mm256_add_pd(*errors, _mm256_add_pd(product_error, sum_error));
    }

    #[target_feature(enable = "avx2")]
    fn load(items: &[f64]) -> __m256d {
        assert!(items.len() >= 4);
        // SAFETY: 4 items are in bounds (asserted above).
        #[allow(unsafe_code)]
        unsafe {
            _mm256_loadu_pd(items.as_ptr())
        }
    }

    #[target_feature(enable = "avx2")]
    fn store(items: &mut [f64], value: __m256d) {
        assert!(items.len() >= 4);
        // SAFETY: 4 items are in bounds (asserted above).
        #[allow(unsafe_code)]
        unsafe {
            _mm256_storeu_pd(items.as_mut_ptr(), value)
        }
    }
}

/// `a * b` and its exact rounding error (Dekker's TwoProduct, by Veltkamp splitting): no
/// `mul_add`, which compiles to a slow libm call on CPUs the build does not assume have FMA.
/// Exact unless a factor is beyond ~1e300 (the caller then falls back to the plain sum).
fn two_product(a: f64, b: f64) -> (f64, f64) {
    let product = a * b;
    let (a_high, a_low) = veltkamp_split(a);
    let (b_high, b_low) = veltkamp_split(b);
    let error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low;
    (product, error)
}

/// `a` as a sum of two halves of 26 significant bits each, so their products are exact.
fn veltkamp_split(a: f64) -> (f64, f64) {
    // 2^27 + 1.
    let scaled = 134_217_729.0 * a;
    let high = scaled - (scaled - a);
    (high, a - high)
}

/// `a + b` and its exact rounding error (Knuth's TwoSum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    let b_virtual = sum - a;
    let a_virtual = sum - b_virtual;
    (sum, (a - a_virtual) + (b - b_virtual))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accurate_score_rounds_a_cancelling_sum_once() {
        // 1e16 + 1 - 1e16 = 1 exactly; a sequential sum loses the 1.
        let row = [1e16, 1.0, -1e16];
        let weights = [1.0, 1.0, 1.0];
        assert_eq!(row.iter().fold(0.0, |s, x| s + x), 0.0);
        assert_eq!(accurate_score(&row, &weights, 0.5), 1.5);
        // An overflowing product gives the plain sum's infinity, not NaN.
        assert_eq!(accurate_score(&[1e300], &[1e300], 0.0), f64::INFINITY);
    }

    /// A xorshift stream of doubles of random sign, mantissa and (within `exponents`)
    /// binary exponent.
    fn random_values(seed: u64, count: usize, exponents: std::ops::Range<i32>) -> Vec<f64> {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let span = (exponents.end - exponents.start) as u64;
        (0..count)
            .map(|_| {
                let bits = next();
                let mantissa = 1.0 + (bits >> 12) as f64 / (1u64 << 52) as f64;
                let exponent = exponents.start + (next() % span) as i32;
                let sign = if bits & 1 == 0 { 1.0 } else { -1.0 };
                sign * mantissa * 2f64.powi(exponent)
            })
            .collect()
    }

    /// The batch scores (vector kernel where the CPU has it) against `accurate_score` row by
    /// row, to the bit.
    fn assert_batch_equals_scalar(x: &Matrix, coef: &[f64], intercept: &[f64]) {
        let in_range = coef.iter().all(|&weight| exact_in_both_ways(weight));
        let mut got = vec![0.0; x.rows() * intercept.len()];
        accurate_scores(x, coef, intercept, in_range, &mut got);
        for (index, row) in x.iter_rows().enumerate() {
            for (output, &bias) in intercept.iter().enumerate() {
                let weights = &coef[output * x.cols()..][..x.cols()];
                let expected = accurate_score(row, weights, bias);
                let value = got[index * intercept.len() + output];
                assert_eq!(
                    value.to_bits(),
                    expected.to_bits(),
                    "row {index} output {output}: {value:e} vs {expected:e}"
                );
            }
        }
    }

    #[test]
    fn batch_scores_equal_scalar_scores_bit_for_bit() {
        // Random magnitudes (wide and narrow), row counts around the 8-row blocks.
        for (seed, rows, cols, outputs, exponents) in [
            (1, 1, 1, 1, -3..3),
            (2, 7, 5, 3, -3..3),
            (3, 8, 64, 10, -30..30),
            (4, 29, 100, 1, -60..60),
            (5, 17, 13, 4, -300..300),
            (6, 40, 3, 2, -1020..1000),
        ] {
            let x = Matrix::new(
                rows,
                cols,
                random_values(seed, rows * cols, exponents.clone()),
            )
            .unwrap();
            let coef = random_values(seed + 100, outputs * cols, exponents.clone());
            let intercept = random_values(seed + 200, outputs, exponents);
            assert_batch_equals_scalar(&x, &coef, &intercept);
        }
        // Adversarial: exact cancellations, ties, zeros of both signs, subnormal and huge
        // items (their rows take the scalar path), an overflowing row.
        let x = Matrix::new(
            10,
            4,
            vec![
                1e16,
                1.0,
                -1e16,
                0.5, //
                0.1,
                0.2,
                0.3,
                -0.6, //
                -0.0,
                0.0,
                -0.0,
                0.0, //
                1e-310,
                1.0,
                2.0,
                3.0, //
                1e300,
                1e-300,
                1.0,
                -1.0, //
                1e200,
                1e200,
                -1e200,
                1.0, //
                3.0,
                1.0 / 3.0,
                -1.0,
                2.0f64.powi(-60), //
                2.0f64.powi(53),
                1.0,
                1.0,
                -(2.0f64.powi(53)), //
                1e120,
                1e120,
                1e120,
                1e120, //
                f64::MAX,
                1.0,
                1.0,
                1.0, //
            ],
        )
        .unwrap();
        let coef = [
            1.0,
            1.0,
            1.0,
            1.0, //
            3.0,
            -1.0 / 3.0,
            0.1,
            1e-16, //
            -0.0,
            2.0,
            1e100,
            -1e100,
        ];
        assert_batch_equals_scalar(&x, &coef, &[0.5, -0.0, 1e-300]);
        let x = Matrix::new(9, 2, vec![1.0; 18]).unwrap();
        assert_batch_equals_scalar(&x, &[1e-320, 1.0, 1e300, 1e300], &[0.0, 1.0]);
    }

    /// The kernel's running sums and error sums, not only the rounded scores, are the
    /// scalar loop's to the bit (a different order of the error sums rarely shows in a score).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn vector_kernel_accumulates_as_the_scalar_loop() {
        if !fma_kernel::available() {
            return;
        }
        const LANES: usize = fma_kernel::LANES;
        for (seed, features, exponents) in [(7, 1, -3..3), (8, 64, -40..40), (9, 301, -400..400)] {
            let rows = random_values(seed, LANES * features, exponents.clone());
            let weights = random_values(seed + 1, features, exponents);
            let mut block = vec![0.0; LANES * features];
            for lane in 0..LANES {
                for feature in 0..features {
                    block[feature * LANES + lane] = rows[lane * features + feature];
                }
            }
            let (mut sums, mut errors) = ([0.0; LANES], [0.0; LANES]);
            fma_kernel::dot2(&block, &weights, &mut sums, &mut errors);
            for lane in 0..LANES {
                let (mut sum, mut error_sum) = (0.0f64, 0.0f64);
                for (&value, &weight) in rows[lane * features..][..features].iter().zip(&weights) {
                    let (product, product_error) = two_product(value, weight);
                    let (next, sum_error) = two_sum(sum, product);
                    sum = next;
                    error_sum += product_error + sum_error;
                }
                assert_eq!(sums[lane].to_bits(), sum.to_bits());
                assert_eq!(errors[lane].to_bits(), error_sum.to_bits());
            }
        }
    }

    #[test]
    fn two_product_error_is_exact() {
        let (a, b) = (0.1f64, 3.0000000000000004f64);
        let (product, error) = two_product(a, b);
        assert_eq!(product, a * b);
        assert_eq!(error, a.mul_add(b, -product));
    }

    #[test]
    fn numpy_sum_groups_as_numpy_does() {
        // Fewer than 8 items: left to right.
        assert_eq!(numpy_sum(&[1e16, 1.0, -1e16]), 0.0);
        // 9 items: lanes 0..8, then the ninth added to the combined lanes.
        let values = [1e16, 1.0, 1.0, 1.0, -1e16, 1.0, 1.0, 1.0, 1.0];
        let lanes = ((1e16 + 1.0) + (1.0 + 1.0)) + ((-1e16 + 1.0) + (1.0 + 1.0));
        assert_eq!(numpy_sum(&values), lanes + 1.0);
    }

    #[test]
    fn logsumexp_counts_ties_and_handles_minus_infinity() {
        let row = [1.0, 1.0, 0.0];
        let expected = ((-1.0f64).exp() / 2.0).ln_1p() + 2.0f64.ln() + 1.0;
        assert_eq!(logsumexp(&row), expected);
        assert_eq!(logsumexp(&[f64::NEG_INFINITY; 2]), f64::NEG_INFINITY);
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let mut row = [1.0, 2.0, 3.0];
        softmax(&mut row);
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!(row[2] > row[1] && row[1] > row[0]);
    }
}
