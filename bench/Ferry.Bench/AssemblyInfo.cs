using System.Runtime.Versioning;

// Like Ferry itself, the benchmarks run on Linux only (they read /proc/self/status).
[assembly: UnsupportedOSPlatform("windows")]
