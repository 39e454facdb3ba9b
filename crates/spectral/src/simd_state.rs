//! A guard against a slowdown that faer leaves behind.
//!
//! faer's AVX-512 matrix-product kernels (the `private-gemm-x86` crate) are assembly that
//! returns with the upper halves of the vector registers in use ("dirty"). Until the thread
//! runs `vzeroupper`, every legacy-SSE instruction it executes (all code compiled for the
//! baseline x86-64 target, glibc's `exp` wrapper included) pays a state-transition penalty:
//! the rbf affinity of the next fit ran ten times slower on rayon threads that had computed
//! a product by the dense Laplacian (measured with `perf`: 96% of `exp`'s time on the first
//! SSE instruction after the call). [`clean_upper_state`] runs a tiny AVX function, at the end
//! of which the compiler issues `vzeroupper`; it is called after faer's work on every thread
//! that did some, so that neither this crate nor its caller inherits the penalty.

/// Clears the upper halves of the vector registers of the current thread (a no-op off x86-64
/// or without AVX2).
pub(crate) fn clean_upper_state() {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        pulp::Simd::vectorize(simd, Clean);
    }
}

struct Clean;

impl pulp::WithSimd for Clean {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) {
        // A 256-bit value that the optimizer cannot remove: the function uses a ymm register,
        // so its epilogue has a vzeroupper.
        std::hint::black_box(simd.splat_f64s(std::hint::black_box(1.0)));
    }
}
