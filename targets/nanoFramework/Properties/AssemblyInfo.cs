using System.Reflection;

[assembly: AssemblyTitle("nanoSecurity nanoFramework target")]
[assembly: AssemblyDescription("Port implementations of the nanoSecurity module for .NET nanoFramework devices (ESP32, STM32)")]
[assembly: AssemblyProduct("nanoSecurity")]
