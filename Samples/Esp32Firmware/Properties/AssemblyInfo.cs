using System.Reflection;

[assembly: AssemblyTitle("nanoSecurity ESP32 firmware sample")]
[assembly: AssemblyDescription("Runs the nanoSecurity module on an ESP32 with .NET nanoFramework")]
[assembly: AssemblyProduct("nanoSecurity")]
[assembly: AssemblyVersion("1.0.0.0")]
