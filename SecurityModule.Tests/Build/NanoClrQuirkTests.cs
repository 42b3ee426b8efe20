using Mono.Cecil;
using Mono.Cecil.Cil;
using Xunit;

namespace NanoSecurity.Tests.Build
{
    /// <summary>
    /// What the device code must not rely on under nanoCLR. Its <c>Enum.ToString()</c> gives the
    /// number, not the name, so no text the module writes or logs may come from it: an enum boxed or
    /// called through <c>constrained.</c> in the device DLL is either formatted (wrong there) or
    /// compared as an object, and neither is needed. And no device code uses an exception filter
    /// (<c>catch … when</c>): no nanoFramework library does, so the interpreter's support is unproven.
    /// </summary>
    public sealed class NanoClrQuirkTests
    {
        [Fact]
        public void TheDeviceDllNeverTurnsAnEnumIntoAnObject()
        {
            var found = new List<string>();
            using ModuleDefinition module = ModuleDefinition.ReadModule(ProjectBuilder.LoadedSecurityModule);
            foreach (TypeDefinition type in module.GetTypes())
            {
                foreach (MethodDefinition method in type.Methods.Where(m => m.HasBody))
                {
                    foreach (Instruction instruction in method.Body.Instructions)
                    {
                        if ((instruction.OpCode == OpCodes.Box || instruction.OpCode == OpCodes.Constrained)
                            && instruction.Operand is TypeReference operand
                            && operand.Resolve()?.IsEnum == true)
                        {
                            found.Add(method.FullName + ": " + instruction.OpCode + " " + operand.Name);
                        }
                    }
                }
            }

            Assert.True(found.Count == 0, "enums made objects (formatted as numbers on nanoCLR):\n" + string.Join("\n", found));
        }

        [Fact]
        public void NoDeviceCodeUsesAnExceptionFilter()
        {
            var found = new List<string>();
            using (ModuleDefinition module = ModuleDefinition.ReadModule(ProjectBuilder.LoadedSecurityModule))
            {
                foreach (TypeDefinition type in module.GetTypes())
                {
                    foreach (MethodDefinition method in type.Methods.Where(m => m.HasBody && m.Body.HasExceptionHandlers))
                    {
                        if (method.Body.ExceptionHandlers.Any(h => h.HandlerType == ExceptionHandlerType.Filter))
                        {
                            found.Add(method.FullName);
                        }
                    }
                }
            }

            // The ports and the sample are not built here: their sources are read instead.
            var filter = new System.Text.RegularExpressions.Regex(@"catch\s*(\([^)]*\))?\s*when\s*\(");
            foreach (string folder in new[] { "targets/nanoFramework", "Samples/Esp32Firmware" })
            {
                foreach (string file in Directory.EnumerateFiles(Path.Combine(ProjectBuilder.RepoRoot, folder), "*.cs", SearchOption.AllDirectories))
                {
                    if (filter.IsMatch(File.ReadAllText(file)))
                    {
                        found.Add(Path.GetRelativePath(ProjectBuilder.RepoRoot, file));
                    }
                }
            }

            Assert.True(found.Count == 0, "exception filters in device code:\n" + string.Join("\n", found));
        }
    }
}
