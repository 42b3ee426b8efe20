using Mono.Cecil;
using Mono.Cecil.Cil;
using Xunit;

namespace NanoSecurity.Tests.Build
{
    /// <summary>
    /// nanoCLR's <c>Enum.ToString()</c> gives the number, not the name, so no text the module writes or
    /// logs may come from it: an enum boxed or called through <c>constrained.</c> in the device DLL is
    /// either formatted (wrong there) or compared as an object, and neither is needed.
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
    }
}
