using System.Runtime.Versioning;

// The tests exercise POSIX modes and symbolic links.
[assembly: SupportedOSPlatform("linux")]
