//! Line editing for the filter and the prompts: a text and a cursor (in characters),
//! edited by readline's usual keys, and drawn with the cursor visible.

use ratatui::style::Style;
use ratatui::text::Span;

/// One editing step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    /// Delete the character before the cursor.
    Backspace,
    /// Delete the character under the cursor.
    Delete,
    Left,
    Right,
    Home,
    End,
    /// Ctrl-U: delete from the start of the line to the cursor.
    KillToStart,
    /// Ctrl-W: delete the word before the cursor (and the spaces after it).
    KillWord,
}

fn byte_at(text: &str, cursor: usize) -> usize {
    text.char_indices()
        .nth(cursor)
        .map_or(text.len(), |(i, _)| i)
}

/// Applies an edit to `text` with its `cursor` (clamped to the text); true when the
/// text changed.
pub fn apply(text: &mut String, cursor: &mut usize, e: Edit) -> bool {
    let len = text.chars().count();
    let c = (*cursor).min(len);
    let (new_cursor, changed) = match e {
        Edit::Insert(ch) => {
            text.insert(byte_at(text, c), ch);
            (c + 1, true)
        }
        Edit::Backspace if c > 0 => {
            text.remove(byte_at(text, c - 1));
            (c - 1, true)
        }
        Edit::Delete if c < len => {
            text.remove(byte_at(text, c));
            (c, true)
        }
        Edit::Left => (c.saturating_sub(1), false),
        Edit::Right => ((c + 1).min(len), false),
        Edit::Home => (0, false),
        Edit::End => (len, false),
        Edit::KillToStart => {
            text.replace_range(..byte_at(text, c), "");
            (0, c > 0)
        }
        Edit::KillWord => {
            let chars: Vec<char> = text.chars().collect();
            let mut start = c;
            while start > 0 && chars[start - 1].is_whitespace() {
                start -= 1;
            }
            while start > 0 && !chars[start - 1].is_whitespace() {
                start -= 1;
            }
            let (a, b) = (byte_at(text, start), byte_at(text, c));
            text.replace_range(a..b, "");
            (start, start < c)
        }
        Edit::Backspace | Edit::Delete => (c, false),
    };
    *cursor = new_cursor;
    changed
}

/// The text with the character under the cursor (a space at the end) in `cursor_style`.
pub fn spans(text: &str, cursor: usize, style: Style, cursor_style: Style) -> Vec<Span<'static>> {
    let at = byte_at(text, cursor);
    let (before, rest) = text.split_at(at);
    let mut chars = rest.chars();
    let under = chars.next().map_or(" ".to_string(), |c| c.to_string());
    vec![
        Span::styled(before.to_string(), style),
        Span::styled(under, cursor_style),
        Span::styled(chars.as_str().to_string(), style),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(start: &str, cursor: usize, edits: &[Edit]) -> (String, usize) {
        let (mut t, mut c) = (start.to_string(), cursor);
        for e in edits {
            apply(&mut t, &mut c, *e);
        }
        (t, c)
    }

    #[test]
    fn readline_keys() {
        use Edit::*;
        assert_eq!(run("Sales", 5, &[KillToStart]), (String::new(), 0));
        assert_eq!(run("ext 101", 7, &[KillWord]), ("ext ".into(), 4));
        assert_eq!(run("ext 101  ", 9, &[KillWord]), ("ext ".into(), 4));
        assert_eq!(
            run("abc", 3, &[Home, Insert('x'), End, Insert('y')]),
            ("xabcy".into(), 5)
        );
        assert_eq!(run("abc", 1, &[Delete]), ("ac".into(), 1));
        assert_eq!(run("abc", 1, &[Backspace, Backspace]), ("bc".into(), 0));
        assert_eq!(run("añb", 3, &[Left, Left, Backspace]), ("ñb".into(), 0));
        assert_eq!(run("ab", 2, &[Right, Delete]), ("ab".into(), 2));
        assert_eq!(run("Sales", 5, &[Home, KillToStart]), ("Sales".into(), 0));
    }
}
