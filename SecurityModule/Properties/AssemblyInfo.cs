using System.Reflection;
using System.Runtime.CompilerServices;

[assembly: AssemblyTitle("nanoSecurity SecurityModule")]
[assembly: AssemblyDescription("Defender for IoT security agent for .NET nanoFramework")]
[assembly: AssemblyProduct("nanoSecurity")]
[assembly: AssemblyVersion("0.1.0.0")]
[assembly: InternalsVisibleTo("SecurityModule.Tests")]
[assembly: InternalsVisibleTo("SecurityModule.Benchmarks")]
