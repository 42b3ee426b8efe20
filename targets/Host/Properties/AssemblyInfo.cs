using System.Runtime.CompilerServices;

// The tests reach the parsers' byte-order and file-root seams (ProcNetParser, HostSystemInformation).
[assembly: InternalsVisibleTo("SecurityModule.Tests")]
