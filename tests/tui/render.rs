//! A slow terminal never slows ingest: the board renders a frame under the store's
//! read lock and flushes it to the terminal after the lock is released. The backend
//! here blocks inside its output until the test lets it go; meanwhile a writer must
//! get the store's write lock.

use crate::support as tui_support;

use calltop::core::SharedStore;
use calltop::tui::app::render;
use calltop::tui::state::Mode;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::Terminal;
use std::sync::mpsc;
use std::time::Duration;
use tui_support::*;

/// A TestBackend whose output blocks until released (a terminal that stops reading).
struct Stuck {
    inner: TestBackend,
    entered: mpsc::Sender<()>,
    release: mpsc::Receiver<()>,
}

impl Backend for Stuck {
    type Error = std::convert::Infallible;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let _ = self.entered.send(());
        let _ = self.release.recv();
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

#[test]
fn a_stuck_terminal_does_not_hold_the_store_lock() {
    let store = SharedStore::new(board_store());
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let backend = Stuck {
        inner: TestBackend::new(W, H),
        entered: entered_tx,
        release: release_rx,
    };
    let drawing = {
        let store = store.clone();
        std::thread::spawn(move || {
            let mut term = Terminal::new(backend).expect("terminal");
            let mut ui = ui(Mode::Demo);
            render(&mut term, &store, &mut ui, now()).expect("render");
            term.backend().inner.to_string()
        })
    };
    entered
        .recv_timeout(Duration::from_secs(30))
        .expect("the frame reached the terminal");
    // The terminal is stuck mid-output: a writer still gets the lock.
    let (wrote_tx, wrote) = mpsc::channel();
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            let events = store.write(|s| {
                s.note_malformed(now());
                s.counters().malformed
            });
            let _ = wrote_tx.send(events);
        })
    };
    let written = wrote.recv_timeout(Duration::from_secs(30));
    release.send(()).expect("release the terminal");
    let screen = drawing.join().expect("render thread");
    writer.join().expect("writer thread");
    assert_eq!(
        written,
        Ok(1),
        "the store's write lock was held while the terminal was writing"
    );
    assert!(
        screen.contains("Calls 4/4"),
        "the frame was drawn:\n{screen}"
    );
}
