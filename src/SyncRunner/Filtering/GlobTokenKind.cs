namespace Ferry.SyncRunner.Filtering;

/// <summary>The kinds of token a filter pattern is made of.</summary>
internal enum GlobTokenKind
{
    /// <summary>One literal character (a Unicode scalar value).</summary>
    Literal,

    /// <summary><c>*</c>: any run of characters other than <c>/</c>.</summary>
    Star,

    /// <summary><c>**</c> (or more stars): any run of characters, <c>/</c> included.</summary>
    DoubleStar,

    /// <summary><c>?</c>: one character other than <c>/</c>.</summary>
    Question,

    /// <summary><c>[...]</c>: one character of a set (or not of it), never <c>/</c>.</summary>
    Class,

    /// <summary>The separator <c>/</c>.</summary>
    Slash,
}
