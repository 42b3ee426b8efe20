using System.Reflection;

[assembly: AssemblyTitle("nanoSecurity device tests")]
[assembly: AssemblyDescription("Self-checking driver for SecurityModule on nanoCLR and .NET")]
[assembly: AssemblyProduct("nanoSecurity")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("SecurityModule.Tests")]
