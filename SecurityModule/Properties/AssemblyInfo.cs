using System.Reflection;
using System.Runtime.CompilerServices;

[assembly: AssemblyTitle("nanoSecurity SecurityModule")]
[assembly: AssemblyDescription("Defender for IoT security agent for .NET nanoFramework")]
[assembly: AssemblyProduct("nanoSecurity")]
[assembly: InternalsVisibleTo("SecurityModule.Tests")]
[assembly: InternalsVisibleTo("SecurityModule.Benchmarks")]
[assembly: InternalsVisibleTo("SecurityModule.DeviceTests")]
