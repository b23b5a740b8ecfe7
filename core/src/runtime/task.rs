//! Spawning detached tasks and stoppable background loops.

use std::future::Future;

use futures::future::{AbortHandle, Abortable};

use super::SendOutsideWasm;

/// The crate's own small runtime, used for background work when the caller is not inside a
/// tokio runtime (e.g. a synchronous Python or Kotlin call creating a cache).
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub(crate) fn background_runtime() -> &'static tokio::runtime::Runtime {
    use std::sync::OnceLock;
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("mantra-sdk-bg")
            .enable_all()
            .build()
            .expect("failed to start mantra-sdk background runtime")
    })
}

/// Spawns a detached task on the current runtime (tokio on native, falling back to the
/// crate's background runtime; `spawn_local` on wasm).
pub fn spawn<F>(fut: F)
where
    F: Future<Output = ()> + SendOutsideWasm + 'static,
{
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(fut);
            }
            Err(_) => {
                background_runtime().spawn(fut);
            }
        }
    }
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    {
        wasm_bindgen_futures::spawn_local(fut);
    }
}

/// Handle to a background loop: [`BackgroundTask::stop`] (or dropping it) ends the loop at
/// its next await point.
#[derive(Debug)]
pub struct BackgroundTask {
    abort: AbortHandle,
}

impl BackgroundTask {
    /// Stops the task. Idempotent.
    pub fn stop(&self) {
        self.abort.abort();
    }

    /// Whether [`stop`](Self::stop) was called (or the handle dropped).
    pub fn is_stopped(&self) -> bool {
        self.abort.is_aborted()
    }
}

impl Drop for BackgroundTask {
    fn drop(&mut self) {
        self.abort.abort();
    }
}

/// Spawns `fut` as a stoppable background task. On wasm, timers it creates do not keep a
/// Node process alive (see `WasmClock`).
pub fn spawn_background<F>(fut: F) -> BackgroundTask
where
    F: Future<Output = ()> + SendOutsideWasm + 'static,
{
    let (abort, reg) = AbortHandle::new_pair();
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    let fut = Background(Box::pin(fut));
    spawn(async move {
        let _ = Abortable::new(fut, reg).await;
    });
    BackgroundTask { abort }
}

/// Polls the inner future with the wasm clock's background flag set.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
struct Background<F>(std::pin::Pin<Box<F>>);

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
impl<F: Future<Output = ()>> Future for Background<F> {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        let inner = self.0.as_mut();
        super::wasm_clock::in_background(|| inner.poll(cx))
    }
}
