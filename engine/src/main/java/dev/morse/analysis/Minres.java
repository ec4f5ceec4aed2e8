package dev.morse.analysis;

import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import dev.morse.spectra.LinearOperator;
import java.util.Objects;

/**
 * MINRES (Paige and Saunders, 1975) for A x = b with A symmetric, possibly indefinite or singular:
 * minimizes ‖b − A x‖ over the Krylov space, so on a singular consistent system it returns a
 * least-squares solution. Unpreconditioned; follows the recurrences of Paige and Saunders' own
 * reference implementation.
 */
public final class Minres {
    private Minres() {}

    /** Result: iterations used and the final residual norm estimate ‖b − A x‖. */
    public record Info(int iterations, double residualNorm) {}

    /** Solves A x = b into x (overwritten) to relative residual rtol or maxIter steps. */
    public static Info solve(LinearOperator a, double[] b, double[] x, double rtol, int maxIter) {
        Objects.requireNonNull(a, "operator");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(x, "x");
        int n = a.dim();
        Kernels k = KernelProvider.get();
        java.util.Arrays.fill(x, 0.0);
        double beta1 = Math.sqrt(k.sumOfSquares(n, b, 0));
        if (beta1 == 0) return new Info(0, 0);
        double[] r1 = b.clone(), r2 = b.clone(), y = b.clone();
        double[] v = new double[n], w = new double[n], w1 = new double[n], w2 = new double[n];
        double oldb = 0, beta = beta1, dbar = 0, epsln = 0, phibar = beta1, cs = -1, sn = 0;
        double rnorm = beta1;
        int itn = 0;
        while (itn < maxIter) {
            dev.morse.linalg.Cancellation.check("MINRES");
            itn++;
            double s = 1.0 / beta;
            for (int i = 0; i < n; i++) v[i] = s * y[i];
            a.apply(v, y);
            if (itn >= 2) k.axpy(n, -(beta / oldb), r1, 0, y, 0);
            double alfa = k.dot(n, v, 0, y, 0);
            k.axpy(n, -(alfa / beta), r2, 0, y, 0);
            double[] t = r1;
            r1 = r2;
            r2 = t;
            System.arraycopy(y, 0, r2, 0, n);
            oldb = beta;
            beta = Math.sqrt(k.sumOfSquares(n, y, 0));
            double oldeps = epsln;
            double delta = cs * dbar + sn * alfa;
            double gbar = sn * dbar - cs * alfa;
            epsln = sn * beta;
            dbar = -cs * beta;
            double gamma = Math.max(Math.hypot(gbar, beta), 1e-300);
            cs = gbar / gamma;
            sn = beta / gamma;
            double phi = cs * phibar;
            phibar = sn * phibar;
            double denom = 1.0 / gamma;
            double[] tw = w1;
            w1 = w2;
            w2 = w;
            w = tw;
            for (int i = 0; i < n; i++) w[i] = (v[i] - oldeps * w1[i] - delta * w2[i]) * denom;
            k.axpy(n, phi, w, 0, x, 0);
            rnorm = phibar;
            if (rnorm <= rtol * beta1 || beta <= 1e-300) break;
        }
        return new Info(itn, rnorm);
    }
}
