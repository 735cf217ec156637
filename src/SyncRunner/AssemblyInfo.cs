using System.Runtime.Versioning;

// Ferry runs on Linux (containers, Kubernetes nodes, developer machines); file modes and symlinks are POSIX.
[assembly: UnsupportedOSPlatform("windows")]
