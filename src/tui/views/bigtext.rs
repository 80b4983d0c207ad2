//! Large digits for the wallboard: 3×5 glyphs drawn with block characters, one column
//! between glyphs, readable across a room.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// Rows of a glyph.
pub const HEIGHT: u16 = 5;

/// The 3×5 pattern of a character (`#` filled); unknown characters are blank.
fn glyph(c: char) -> [&'static str; 5] {
    match c {
        '0' => ["###", "# #", "# #", "# #", "###"],
        '1' => [" # ", "## ", " # ", " # ", "###"],
        '2' => ["###", "  #", "###", "#  ", "###"],
        '3' => ["###", "  #", "###", "  #", "###"],
        '4' => ["# #", "# #", "###", "  #", "  #"],
        '5' => ["###", "#  ", "###", "  #", "###"],
        '6' => ["###", "#  ", "###", "# #", "###"],
        '7' => ["###", "  #", "  #", "  #", "  #"],
        '8' => ["###", "# #", "###", "# #", "###"],
        '9' => ["###", "# #", "###", "  #", "###"],
        ':' => ["   ", " # ", "   ", " # ", "   "],
        '%' => ["# #", "  #", " # ", "#  ", "# #"],
        '-' | '—' => ["   ", "   ", "###", "   ", "   "],
        's' => ["   ", " ##", " # ", "  #", "## "],
        _ => ["   ", "   ", "   ", "   ", "   "],
    }
}

/// Columns `text` takes in large digits.
pub fn width(text: &str) -> u16 {
    let n = text.chars().count() as u16;
    (n * 4).saturating_sub(1)
}

/// Draws `text` in large digits at the top left of `area` (clipped to it).
pub fn draw(buf: &mut Buffer, area: Rect, text: &str, style: Style) {
    for (i, c) in text.chars().enumerate() {
        let x0 = area.x + i as u16 * 4;
        for (dy, row) in glyph(c).iter().enumerate() {
            let y = area.y + dy as u16;
            if y >= area.bottom() {
                break;
            }
            for (dx, b) in row.chars().enumerate() {
                let x = x0 + dx as u16;
                if x >= area.right() {
                    break;
                }
                if b == '#' {
                    buf[(x, y)].set_symbol("█").set_style(style);
                }
            }
        }
    }
}
