using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using System.Text;
using NanoSecurity.Testing;

namespace NanoSecurity.Benchmarks
{
    /// <summary>
    /// The footprint report: builds SecurityModule with several asc_port.config files in a scratch
    /// copy of the repository (Release, like a firmware build), then for each DLL prints its size and
    /// the memory a constructed module holds, counted by walking its object graph.
    /// </summary>
    internal static class Footprint
    {
        private sealed class Variant
        {
            internal string Name;
            internal string ConfigPath;
            internal string Dll;
            internal DllSize Size;
            internal Walk Walk;
        }

        internal static int Run(string[] args)
        {
            string root = IsolatedBuild.FindRepoRoot(AppContext.BaseDirectory);
            string scratch = Path.Combine(Path.GetTempPath(), "nanoSecurity-footprint-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            bool keep = args.Contains("--keep");
            try
            {
                string project = IsolatedBuild.CopySecurityModule(root, scratch);
                string configs = Path.Combine(scratch, "configs");
                Directory.CreateDirectory(configs);
                var variants = new List<Variant>
                {
                    new Variant { Name = "default (asc_port.config, 64/64)", ConfigPath = Path.Combine(root, "asc_port.config") },
                    new Variant { Name = "minimal (asc_port.minimal.config)", ConfigPath = Path.Combine(root, "SecurityModule.Tests", "Configs", "asc_port.minimal.config") },
                    new Variant { Name = "caches 16/16", ConfigPath = WriteCaches(configs, 16) },
                    new Variant { Name = "caches 256/256", ConfigPath = WriteCaches(configs, 256) },
                };

                Console.WriteLine("# nanoSecurity footprint report");
                Console.WriteLine();
                Console.WriteLine("SecurityModule built with each config in " + scratch + " (dotnet build -c Release -p:AscPortConfig=FILE).");
                var stopwatch = Stopwatch.StartNew();
                bool restored = false;
                for (int n = 0; n < variants.Count; n++)
                {
                    Variant v = variants[n];
                    string output = Path.Combine(scratch, "out", n.ToString(CultureInfo.InvariantCulture));
                    Directory.CreateDirectory(output);
                    var arguments = new List<string> { "-c", "Release", "-p:AscPortConfig=" + v.ConfigPath };
                    if (restored)
                    {
                        arguments.Add("--no-restore");
                    }

                    BuildResult build = IsolatedBuild.Build(project, arguments.ToArray());
                    if (!build.Succeeded)
                    {
                        throw new InvalidOperationException("the footprint build failed:\n" + build);
                    }

                    restored = true;

                    // One project folder is rebuilt for every config; keep each DLL aside.
                    v.Dll = Path.Combine(output, "SecurityModule.dll");
                    File.Copy(Path.Combine(scratch, "SecurityModule", "bin", "Release", "netstandard2.0", "SecurityModule.dll"), v.Dll, overwrite: true);
                    v.Size = DllSize.Read(v.Dll);
                    v.Walk = Walk.OfModuleIn(v.Dll);
                }

                Console.WriteLine("Built and measured in " + stopwatch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s.");
                Console.WriteLine();

                // Cross-check: the module in this process (the ProjectReference, default config) walks the same.
                Walk here = Walk.Of(CreateInProcess(), typeof(SecurityModule).Assembly);
                if (here.TotalBytes != variants[0].Walk.TotalBytes)
                {
                    Console.Error.WriteLine($"footprint: the in-process module holds {here.TotalBytes} B, the isolated default build {variants[0].Walk.TotalBytes} B");
                    return 1;
                }

                PrintSummary(variants);

                // With its own IoT Hub session the module also holds the offline cache and the MQTT client's buffers.
                Walk session = Walk.Of(CreateInProcessWithSession(), typeof(SecurityModule).Assembly);
                Console.WriteLine();
                Console.WriteLine($"default config with the module's own IoT Hub session (offline cache, MQTT buffers): {session.TotalBytes:N0} B preallocated");
                Console.WriteLine();
                Console.WriteLine("## What the session adds to the default module");
                Console.WriteLine();
                session.PrintDifference(here, Console.Out);
                foreach (Variant v in variants.Take(2))
                {
                    Console.WriteLine();
                    Console.WriteLine("## What the " + v.Name.Split(' ')[0] + " module holds");
                    Console.WriteLine();
                    v.Walk.PrintBreakdown(Console.Out);
                }

                return 0;
            }
            finally
            {
                if (!keep)
                {
                    try
                    {
                        Directory.Delete(scratch, recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                }
            }
        }

        private static void PrintSummary(List<Variant> variants)
        {
            string N(long v) => v.ToString("#,0", CultureInfo.InvariantCulture);
            Console.WriteLine("## Summary");
            Console.WriteLine();
            string PerFlow(long bytes, int capacity) => capacity == 0 ? "–" : (bytes / (double)capacity).ToString("0.0", CultureInfo.InvariantCulture);
            Console.WriteLine("| config | preallocated bytes (arrays + strings) | of which arrays | strings (chars) | objects / arrays | flow caches (4 tables) | per IPv4 flow | per IPv6 flow | JSON buffer | SecurityModule.dll file | IL method bodies | metadata |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (Variant v in variants)
            {
                Walk w = v.Walk;
                Console.WriteLine($"| {v.Name} | {N(w.TotalBytes)} | {N(w.ArrayBytes)} | {N(w.StringChars)} | {N(w.Objects)} / {N(w.Arrays)} | {N(w.FlowTableBytes)} | {PerFlow(w.Ipv4TableBytes, w.Ipv4Capacity)} | {PerFlow(w.Ipv6TableBytes, w.Ipv6Capacity)} | {N(w.JsonBufferBytes)} | {N(v.Size.FileBytes)} | {N(v.Size.IlBytes)} | {N(v.Size.MetadataBytes)} |");
            }

            Console.WriteLine();
            Console.WriteLine("Preallocated bytes: every array and string reachable from a constructed SecurityModule (all optional ports given,");
            Console.WriteLine("not started), plus the static fields of its types, each counted once: array length × element size");
            Console.WriteLine("(a reference counted as 4 bytes, a 32-bit MCU pointer) and strings at 1 byte per char (ASCII, UTF-8 on nanoCLR).");
            Console.WriteLine("Per flow: the bytes of a family's two tables (double buffering) and their hash indexes over the flows one table holds.");
            Console.WriteLine("Object headers and the fields of the objects themselves are not counted. IL method bodies: the sum of the");
            Console.WriteLine("method bodies in the DLL; metadata: its metadata tables, strings and blobs.");
        }

        private static string WriteCaches(string folder, int flows)
        {
            string path = Path.Combine(folder, "asc_port.caches" + flows + ".config");
            File.WriteAllText(path,
                "# Default config with other flow cache sizes (written by the footprint report).\n"
                + "ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_IPV4_OBJECTS_IN_CACHE = " + flows + "\n"
                + "ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_IPV6_OBJECTS_IN_CACHE = " + flows + "\n");
            return path;
        }

        private static SecurityModule CreateInProcess() => new SecurityModule(new SecurityModuleOptions
        {
            MonotonicClock = DispatchProxy.Create<IMonotonicClock, NullPort>(),
            UtcClock = DispatchProxy.Create<IUtcClock, NullPort>(),
            MessageSink = DispatchProxy.Create<ISecurityMessageSink, NullPort>(),
            SystemInformation = DispatchProxy.Create<ISystemInformationSource, NullPort>(),
            ListeningPorts = DispatchProxy.Create<IListeningPortsSource, NullPort>(),
            DeviceId = Walk.DeviceId,
        });

        private static SecurityModule CreateInProcessWithSession() => new SecurityModule(new SecurityModuleOptions
        {
            MonotonicClock = DispatchProxy.Create<IMonotonicClock, NullPort>(),
            UtcClock = DispatchProxy.Create<IUtcClock, NullPort>(),
            ConnectionString = "HostName=example.azure-devices.net;DeviceId=" + Walk.DeviceId + ";SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            Channel = DispatchProxy.Create<INetworkChannel, NullPort>(),
            SystemInformation = DispatchProxy.Create<ISystemInformationSource, NullPort>(),
            ListeningPorts = DispatchProxy.Create<IListeningPortsSource, NullPort>(),
        });
    }

    /// <summary>Sizes of an assembly, read with System.Reflection.Metadata.</summary>
    internal sealed class DllSize
    {
        internal long FileBytes;
        internal long IlBytes;
        internal long MetadataBytes;

        internal static DllSize Read(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            MetadataReader reader = pe.GetMetadataReader();
            long il = 0;
            foreach (MethodDefinitionHandle handle in reader.MethodDefinitions)
            {
                int rva = reader.GetMethodDefinition(handle).RelativeVirtualAddress;
                if (rva != 0)
                {
                    il += pe.GetMethodBody(rva).Size;
                }
            }

            return new DllSize { FileBytes = new FileInfo(path).Length, IlBytes = il, MetadataBytes = pe.GetMetadata().Length };
        }
    }

    /// <summary>A port whose every member does nothing; construction calls none of them.</summary>
    public class NullPort : DispatchProxy
    {
        protected override object Invoke(MethodInfo targetMethod, object[] args) =>
            targetMethod.ReturnType.IsValueType && targetMethod.ReturnType != typeof(void) ? Activator.CreateInstance(targetMethod.ReturnType) : null;
    }

    /// <summary>
    /// The memory a module holds, found by walking its object graph by reflection: every instance
    /// field of every object of the module's assembly, from the module down, and the static fields of
    /// the assembly's types. Arrays and strings are counted once each, whoever holds them.
    /// </summary>
    internal sealed class Walk
    {
        internal const string DeviceId = "footprint-device";

        /// <summary>Bytes of a reference in an array: a 32-bit MCU pointer.</summary>
        internal const int ReferenceSize = 4;

        private readonly Assembly _assembly;
        private readonly HashSet<object> _seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        private readonly List<(string Path, string Type, long Bytes)> _arrays = new List<(string, string, long)>();

        private Walk(Assembly assembly) => _assembly = assembly;

        internal long ArrayBytes { get; private set; }

        internal long StringChars { get; private set; }

        internal long Objects { get; private set; }

        internal int Arrays => _arrays.Count;

        internal long TotalBytes => ArrayBytes + StringChars;

        /// <summary>Bytes of the arrays held by the flow tables (and their hash indexes).</summary>
        internal long FlowTableBytes => Ipv4TableBytes + Ipv6TableBytes;

        /// <summary>Bytes of the two IPv4 flow tables, hash indexes included.</summary>
        internal long Ipv4TableBytes => _arrays.Where(a => a.Path.StartsWith("Ipv4FlowTable", StringComparison.Ordinal)).Sum(a => a.Bytes);

        /// <summary>Bytes of the two IPv6 flow tables, hash indexes included.</summary>
        internal long Ipv6TableBytes => _arrays.Where(a => a.Path.StartsWith("Ipv6FlowTable", StringComparison.Ordinal)).Sum(a => a.Bytes);

        /// <summary>Flows an IPv4 table holds (the length of its per-flow arrays).</summary>
        internal int Ipv4Capacity => _arrays.Where(a => a.Path == "Ipv4FlowTable._hitCounts").Select(a => (int)(a.Bytes / 4)).FirstOrDefault();

        /// <summary>Flows an IPv6 table holds.</summary>
        internal int Ipv6Capacity => _arrays.Where(a => a.Path == "Ipv6FlowTable._hitCounts").Select(a => (int)(a.Bytes / 4)).FirstOrDefault();

        /// <summary>Bytes of the one JSON message buffer.</summary>
        internal long JsonBufferBytes => _arrays.Where(a => a.Path.EndsWith("JsonWriter._buffer", StringComparison.Ordinal)).Sum(a => a.Bytes);

        /// <summary>Walks a module built from <paramref name="dll"/>, loaded in its own load context and built by reflection.</summary>
        internal static Walk OfModuleIn(string dll)
        {
            var context = new AssemblyLoadContext("footprint " + dll);
            Assembly assembly = context.LoadFromAssemblyPath(dll);
            Type optionsType = assembly.GetType("NanoSecurity.SecurityModuleOptions", throwOnError: true);
            object options = Activator.CreateInstance(optionsType);

            // The ports must implement the interfaces of this context, so they are emitted into it
            // (DispatchProxy would implement the default context's copy of the interface).
            using var scope = context.EnterContextualReflection();
            var builder = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("FootprintPorts"), AssemblyBuilderAccess.Run);
            ModuleBuilder ports = builder.DefineDynamicModule("FootprintPorts");
            foreach (PropertyInfo property in optionsType.GetProperties())
            {
                // Every port the application plugs in, required or optional, except randomness and logging,
                // which the module then does without (Random: it creates its own System.Random).
                if (property.PropertyType.IsInterface && property.Name != "Random" && property.Name != "Log")
                {
                    property.SetValue(options, Activator.CreateInstance(NullImplementation(ports, property.PropertyType)));
                }
            }

            optionsType.GetProperty("DeviceId").SetValue(options, DeviceId);
            object module = Activator.CreateInstance(assembly.GetType("NanoSecurity.SecurityModule", throwOnError: true), options);
            return Of(module, assembly);
        }

        /// <summary>Emits a class that implements <paramref name="port"/> with members that do nothing.</summary>
        private static Type NullImplementation(ModuleBuilder module, Type port)
        {
            TypeBuilder type = module.DefineType("Null" + port.Name, TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, typeof(object), new[] { port });
            foreach (MethodInfo method in port.GetMethods().Concat(port.GetInterfaces().SelectMany(i => i.GetMethods())))
            {
                ParameterInfo[] parameters = method.GetParameters();
                MethodBuilder body = type.DefineMethod(
                    method.Name,
                    MethodAttributes.Public | MethodAttributes.Virtual | MethodAttributes.Final | MethodAttributes.HideBySig | MethodAttributes.NewSlot,
                    method.ReturnType,
                    parameters.Select(p => p.ParameterType).ToArray());
                ILGenerator il = body.GetILGenerator();
                for (int i = 0; i < parameters.Length; i++)
                {
                    if (parameters[i].IsOut)
                    {
                        il.Emit(OpCodes.Ldarg, i + 1);
                        il.Emit(OpCodes.Initobj, parameters[i].ParameterType.GetElementType());
                    }
                }

                if (method.ReturnType == typeof(void))
                {
                }
                else if (method.ReturnType.IsValueType)
                {
                    LocalBuilder result = il.DeclareLocal(method.ReturnType);
                    il.Emit(OpCodes.Ldloca, result);
                    il.Emit(OpCodes.Initobj, method.ReturnType);
                    il.Emit(OpCodes.Ldloc, result);
                }
                else
                {
                    il.Emit(OpCodes.Ldnull);
                }

                il.Emit(OpCodes.Ret);
                type.DefineMethodOverride(body, method);
            }

            return type.CreateType();
        }

        internal static Walk Of(object module, Assembly assembly)
        {
            var walk = new Walk(assembly);
            walk.Visit(module, module.GetType().Name);
            foreach (Type type in assembly.GetTypes().Where(t => !t.ContainsGenericParameters))
            {
                foreach (FieldInfo field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!field.IsLiteral && !field.FieldType.IsValueType)
                    {
                        walk.Visit(field.GetValue(null), "static " + type.Name + "." + field.Name);
                    }
                }
            }

            return walk;
        }

        internal void PrintBreakdown(TextWriter output)
        {
            output.WriteLine("| held at | type | bytes |");
            output.WriteLine("|---|---|---:|");
            foreach (var group in _arrays.GroupBy(a => (a.Path, a.Type)).OrderByDescending(g => g.Sum(a => a.Bytes)))
            {
                string count = group.Count() > 1 ? " (×" + group.Count() + ")" : string.Empty;
                output.WriteLine($"| {group.Key.Path}{count} | {group.Key.Type} | {group.Sum(a => a.Bytes).ToString("#,0", CultureInfo.InvariantCulture)} |");
            }

            output.WriteLine($"| (strings: agent id, message header, JSON keys …) | string | {StringChars.ToString("#,0", CultureInfo.InvariantCulture)} |");
            output.WriteLine($"| **total** | | **{TotalBytes.ToString("#,0", CultureInfo.InvariantCulture)}** |");
        }

        /// <summary>The arrays and strings this walk holds beyond <paramref name="baseline"/>, by where they are held.</summary>
        internal void PrintDifference(Walk baseline, TextWriter output)
        {
            var before = baseline._arrays.GroupBy(a => (a.Path, a.Type)).ToDictionary(g => g.Key, g => (Count: g.Count(), Bytes: g.Sum(a => a.Bytes)));
            output.WriteLine("| held at | type | bytes |");
            output.WriteLine("|---|---|---:|");
            foreach (var group in _arrays.GroupBy(a => (a.Path, a.Type)).OrderByDescending(g => g.Sum(a => a.Bytes)))
            {
                before.TryGetValue(group.Key, out var held);
                int count = group.Count() - held.Count;
                long bytes = group.Sum(a => a.Bytes) - held.Bytes;
                if (bytes == 0)
                {
                    continue;
                }

                string times = count > 1 ? " (×" + count + ")" : string.Empty;
                output.WriteLine($"| {group.Key.Path}{times} | {group.Key.Type} | {bytes.ToString("#,0", CultureInfo.InvariantCulture)} |");
            }

            output.WriteLine($"| (strings) | string | {(StringChars - baseline.StringChars).ToString("#,0", CultureInfo.InvariantCulture)} |");
            output.WriteLine($"| **total** | | **{(TotalBytes - baseline.TotalBytes).ToString("#,0", CultureInfo.InvariantCulture)}** |");
        }

        private void Visit(object value, string path)
        {
            if (value == null || !_seen.Add(value))
            {
                return;
            }

            Type type = value.GetType();
            if (value is string text)
            {
                StringChars += text.Length;
                return;
            }

            if (value is Array array)
            {
                Type element = type.GetElementType();
                long bytes;
                if (element.IsValueType)
                {
                    bytes = (long)array.Length * ElementSize(element);
                }
                else
                {
                    bytes = (long)array.Length * ReferenceSize;
                    for (int i = 0; i < array.Length; i++)
                    {
                        Visit(array.GetValue(i), path + "[]");
                    }
                }

                ArrayBytes += bytes;
                _arrays.Add((path, element.Name + "[" + array.Length + "]", bytes));
                return;
            }

            if (type == typeof(object))
            {
                Objects++; // a lock
                return;
            }

            if (type.Assembly != _assembly)
            {
                return; // not the module's: the application's ports, System.Random, a Timer
            }

            Objects++;

            // A flow table's arrays are named after the table's own type (Ipv4FlowTable, Ipv6FlowTable),
            // also those its FlowTable base class declares, so that each family's tables add up.
            bool flowTable = type.Name == "Ipv4FlowTable" || type.Name == "Ipv6FlowTable";
            for (Type t = type; t != null && t.Assembly == _assembly; t = t.BaseType)
            {
                foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!field.FieldType.IsValueType)
                    {
                        // Where an array is held: its holder's type and field (the same for the two tables of a cache).
                        Visit(field.GetValue(value), (flowTable ? type.Name : t.Name) + "." + field.Name);
                    }
                }
            }
        }

        private static int ElementSize(Type element)
        {
            if (element.IsEnum)
            {
                element = Enum.GetUnderlyingType(element);
            }

            switch (Type.GetTypeCode(element))
            {
                case TypeCode.Boolean:
                case TypeCode.Byte:
                case TypeCode.SByte:
                    return 1;
                case TypeCode.Char:
                case TypeCode.Int16:
                case TypeCode.UInt16:
                    return 2;
                case TypeCode.Int32:
                case TypeCode.UInt32:
                case TypeCode.Single:
                    return 4;
                case TypeCode.Int64:
                case TypeCode.UInt64:
                case TypeCode.Double:
                    return 8;
                default:
                    throw new NotSupportedException("array of " + element + ": add its size to the footprint walker");
            }
        }
    }
}
