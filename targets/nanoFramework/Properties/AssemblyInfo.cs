using System.Reflection;

[assembly: AssemblyTitle("nanoSecurity nanoFramework target")]
[assembly: AssemblyDescription("Port implementations of the nanoSecurity module for .NET nanoFramework devices (ESP32, STM32)")]
[assembly: AssemblyProduct("nanoSecurity")]
[assembly: AssemblyVersion("0.1.0.0")]
