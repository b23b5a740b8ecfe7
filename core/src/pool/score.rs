//! Ranking math: the viem `fallback` rank score over a window of samples, and tower's
//! PeakEWMA latency estimate of live traffic.

use std::collections::VecDeque;
use std::time::Duration;

/// The last `cap` samples of one endpoint: health pings (latency + success) and live
/// requests (success only — request sizes vary, so live latency goes to PeakEWMA instead).
#[derive(Debug, Clone)]
pub(crate) struct SampleWindow {
    cap: usize,
    pings: VecDeque<(Duration, bool)>,
    live: VecDeque<bool>,
}

impl SampleWindow {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(1),
            pings: VecDeque::new(),
            live: VecDeque::new(),
        }
    }

    pub(crate) fn push_ping(&mut self, latency: Duration, success: bool) {
        self.pings.push_back((latency, success));
        while self.pings.len() > self.cap {
            self.pings.pop_front();
        }
    }

    pub(crate) fn push_live(&mut self, success: bool) {
        self.live.push_back(success);
        while self.live.len() > self.cap {
            self.live.pop_front();
        }
    }

    pub(crate) fn ping_count(&self) -> usize {
        self.pings.len()
    }

    /// Mean ping latency in seconds (failed pings included, as viem does).
    pub(crate) fn mean_ping_latency(&self) -> Option<f64> {
        if self.pings.is_empty() {
            return None;
        }
        let sum: f64 = self.pings.iter().map(|(l, _)| l.as_secs_f64()).sum();
        Some(sum / self.pings.len() as f64)
    }

    /// Largest ping latency in the window, in seconds.
    pub(crate) fn max_ping_latency(&self) -> Option<f64> {
        self.pings
            .iter()
            .map(|(l, _)| l.as_secs_f64())
            .reduce(f64::max)
    }

    /// Fraction of successful samples (pings and live requests together).
    pub(crate) fn success_rate(&self) -> Option<f64> {
        let total = self.pings.len() + self.live.len();
        if total == 0 {
            return None;
        }
        let ok = self.pings.iter().filter(|(_, s)| *s).count()
            + self.live.iter().filter(|s| **s).count();
        Some(ok as f64 / total as f64)
    }
}

/// viem's rank score: `latency_weight·(1 − mean/max) + stability_weight·success_rate`,
/// and 0 when nothing in the window succeeded (or there is no sample yet).
///
/// `max_latency` is the largest ping latency over every endpoint's window. When it is 0
/// (all pings instantaneous) the latency term counts as 1; with no ping sample the latency
/// term counts as 0.
pub(crate) fn rank_score(
    latency_weight: f64,
    stability_weight: f64,
    mean_latency: Option<f64>,
    max_latency: f64,
    success_rate: Option<f64>,
) -> f64 {
    let stability = match success_rate {
        Some(s) if s > 0.0 => s,
        _ => return 0.0,
    };
    let latency_score = match mean_latency {
        None => 0.0,
        Some(_) if max_latency <= 0.0 => 1.0,
        Some(mean) => (1.0 - mean / max_latency).clamp(0.0, 1.0),
    };
    latency_weight * latency_score + stability_weight * stability
}

/// tower's PeakEWMA: an observation above the estimate replaces it (peak-sensitive); one
/// below is blended in with weight `1 − e^(−Δt/τ)`; reading decays the estimate toward 0
/// by `e^(−idle/τ)`, so an endpoint left idle becomes worth trying again.
#[derive(Debug, Clone)]
pub(crate) struct PeakEwma {
    tau: f64,
    estimate: Option<f64>,
    updated_at: Duration,
}

impl PeakEwma {
    pub(crate) fn new(decay: Duration) -> Self {
        Self {
            tau: decay.as_secs_f64().max(f64::MIN_POSITIVE),
            estimate: None,
            updated_at: Duration::ZERO,
        }
    }

    fn weight(&self, now: Duration) -> f64 {
        let elapsed = now.saturating_sub(self.updated_at).as_secs_f64();
        (-elapsed / self.tau).exp()
    }

    /// Records a round-trip time observed at `now`.
    pub(crate) fn observe(&mut self, rtt: Duration, now: Duration) {
        let rtt = rtt.as_secs_f64();
        let next = match self.estimate {
            Some(est) if rtt <= est => {
                let w = self.weight(now);
                est * w + rtt * (1.0 - w)
            }
            _ => rtt,
        };
        self.estimate = Some(next);
        self.updated_at = now;
    }

    /// Sets the estimate only if nothing was observed yet (seeded from a health ping).
    pub(crate) fn seed(&mut self, rtt: Duration, now: Duration) {
        if self.estimate.is_none() {
            self.estimate = Some(rtt.as_secs_f64());
            self.updated_at = now;
        }
    }

    /// The decayed estimate at `now`, in seconds.
    pub(crate) fn value(&self, now: Duration) -> Option<f64> {
        self.estimate.map(|est| est * self.weight(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Runs viem's algorithm on per-endpoint ping samples and returns each score.
    fn viem_scores(samples: &[&[(u64, bool)]]) -> Vec<f64> {
        let windows: Vec<SampleWindow> = samples
            .iter()
            .map(|s| {
                let mut w = SampleWindow::new(10);
                for &(lat, ok) in *s {
                    w.push_ping(ms(lat), ok);
                }
                w
            })
            .collect();
        let max = windows
            .iter()
            .filter_map(|w| w.max_ping_latency())
            .fold(0.0, f64::max);
        windows
            .iter()
            .map(|w| rank_score(0.3, 0.7, w.mean_ping_latency(), max, w.success_rate()))
            .collect()
    }

    #[test]
    fn viem_formula_exact() {
        // A: latencies 10, 20 all ok; B: 40, 30 half ok; C: never succeeds.
        let s = viem_scores(&[
            &[(10, true), (20, true)],
            &[(40, true), (30, false)],
            &[(5, false), (5, false)],
        ]);
        // max = 40. A: 0.3·(1 − 15/40) + 0.7·1 = 0.8875. B: 0.3·(1 − 35/40) + 0.7·0.5 = 0.3875.
        assert!(close(s[0], 0.8875), "{}", s[0]);
        assert!(close(s[1], 0.3875), "{}", s[1]);
        assert_eq!(s[2], 0.0);
    }

    #[test]
    fn slowest_endpoint_gets_only_the_stability_term() {
        let s = viem_scores(&[&[(100, true)], &[(50, true)]]);
        assert!(close(s[0], 0.7));
        assert!(close(s[1], 0.3 * 0.5 + 0.7));
        // Equal latencies: both 1 − 1 = 0 latency score.
        let s = viem_scores(&[&[(20, true)], &[(20, true)]]);
        assert!(close(s[0], 0.7) && close(s[1], 0.7));
        // All instantaneous: latency term is 1.
        let s = viem_scores(&[&[(0, true)]]);
        assert!(close(s[0], 1.0));
    }

    #[test]
    fn window_keeps_only_the_last_samples() {
        let mut w = SampleWindow::new(10);
        for _ in 0..10 {
            w.push_ping(ms(10), false);
        }
        assert_eq!(w.success_rate(), Some(0.0));
        for _ in 0..3 {
            w.push_ping(ms(20), true);
        }
        assert_eq!(w.ping_count(), 10);
        assert!(close(w.success_rate().unwrap(), 0.3));
        assert!(close(
            w.mean_ping_latency().unwrap(),
            (7.0 * 0.010 + 3.0 * 0.020) / 10.0
        ));
        // Live outcomes count for success only.
        w.push_live(false);
        w.push_live(true);
        assert!(close(w.success_rate().unwrap(), 4.0 / 12.0));
        assert_eq!(w.ping_count(), 10);
    }

    #[test]
    fn no_samples_scores_zero() {
        let w = SampleWindow::new(10);
        assert_eq!(
            rank_score(0.3, 0.7, w.mean_ping_latency(), 1.0, w.success_rate()),
            0.0
        );
        // Only live successes: stability counts, latency term 0.
        let mut w = SampleWindow::new(10);
        w.push_live(true);
        assert!(close(
            rank_score(0.3, 0.7, None, 1.0, w.success_rate()),
            0.7
        ));
    }

    #[test]
    fn peak_ewma_jumps_to_peaks_and_blends_below() {
        let tau = Duration::from_secs(10);
        let mut e = PeakEwma::new(tau);
        assert_eq!(e.value(ms(0)), None);
        e.observe(ms(100), ms(0));
        assert!(close(e.value(ms(0)).unwrap(), 0.100));
        // Higher observation replaces the estimate immediately.
        e.observe(ms(300), ms(1000));
        assert!(close(e.value(ms(1000)).unwrap(), 0.300));
        // Lower observation 10 s later: w = e^-1.
        e.observe(ms(100), ms(11_000));
        let w = (-1.0f64).exp();
        let expected = 0.300 * w + 0.100 * (1.0 - w);
        assert!(close(e.value(ms(11_000)).unwrap(), expected));
        // Idle for another τ: the reading decays by e^-1 toward zero.
        assert!(close(e.value(ms(21_000)).unwrap(), expected * w));
    }

    #[test]
    fn peak_ewma_seed_only_when_empty() {
        let mut e = PeakEwma::new(Duration::from_secs(10));
        e.seed(ms(50), ms(0));
        e.seed(ms(500), ms(0));
        assert!(close(e.value(ms(0)).unwrap(), 0.050));
    }
}
