//! Hot loops run in wider vector registers (AVX2) where the CPU has them, with the same
//! bits: the build targets baseline x86-64 (2-wide SSE2), and enabling AVX2 and FMA for a
//! function only widens its vectors. Rust never contracts `a * b + c` into an FMA on its
//! own, so every sum keeps its operations and their order.

/// Runs `f` compiled for AVX2 and FMA when the CPU has them, else as it is: the same
/// operations either way. `f` (and what it calls) should be `#[inline(always)]` down to the
/// hot loop, since only code inlined into the AVX2 function is compiled for it.
#[inline(always)]
pub fn wide<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        #[allow(unsafe_code)]
        return unsafe { avx2(f) };
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Reproducible values in [-4, 4) for the tests that compare a wide path with the plain one
/// (a xorshift generator: no dependency, the same sequence on every run).
#[cfg(test)]
pub(crate) fn test_values() -> impl FnMut() -> f64 {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 8.0 - 4.0
    }
}
