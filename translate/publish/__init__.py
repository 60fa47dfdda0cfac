"""Publishing: a Translation written as Markdown, rendered as a bilingual HTML page or PDF pamphlet, imposed as a
booklet."""
