/// Python's `str` ordering: lexicographic by Unicode code point.
///
/// Swift's `<` on `String` compares canonically equivalent forms instead (so "é" precomposed and "e" +
/// combining accent are equal), which would order some file names differently from `sorted()` in Python
/// and from the file listing of Hugging Face `datasets`.
func pythonStringLess(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
}
