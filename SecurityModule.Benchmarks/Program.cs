using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NanoSecurity.Tests.Simulation;

namespace NanoSecurity.Benchmarks
{
    /// <summary>
    /// dotnet run -c Release --project SecurityModule.Benchmarks -- MODE
    ///   footprint          the footprint report (builds SecurityModule with several configs)
    ///   wirecost           the wire-cost simulation of the reference trace: ThreadX cadence and Microsoft's twin defaults
    ///   smoke              every benchmark once, in-process, BenchmarkDotNet's dry job (CI)
    ///   (anything else)    BenchmarkDotNet's command line, e.g. --filter '*' --job short
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            string mode = args.Length > 0 ? args[0] : string.Empty;
            switch (mode)
            {
                case "footprint":
                    return Footprint.Run(args.Skip(1).ToArray());
                case "wirecost":
                    return WireCost();
                case "smoke":
                case "--smoke":
                    return Smoke();
                default:
                    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                    return 0;
            }
        }

        private static int WireCost()
        {
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            var trace = new ReferenceTrace();
            var cadences = new (string Name, AgentConfiguration Configuration)[]
            {
                ("ThreadX cadence (every collection)", WireCostSimulation.ThreadXCadence()),
                ("Microsoft's twin defaults", WireCostSimulation.TwinDefaults()),
            };
            var runs = new List<(string Name, WireCostRun Run, WireCostReport Report)>();
            foreach (var (name, configuration) in cadences)
            {
                WireCostRun run = WireCostSimulation.Run(trace, configuration: configuration);
                runs.Add((name, run, WireCostReport.Analyze(run.Messages)));
            }

            Console.WriteLine("# nanoSecurity wire-cost simulation");
            Console.WriteLine();
            Console.WriteLine("Reference trace (SecurityModule.Tests/Simulation/ReferenceTrace.cs), 24 h, asc_port.config as built: caches "
                + AscPortConfig.CollectorNetworkActivityMaxIpv4ObjectsInCache + "/" + AscPortConfig.CollectorNetworkActivityMaxIpv6ObjectsInCache
                + ", high priority every " + AscPortConfig.HighPriorityInterval + " s, messages of at most " + AscPortConfig.MaxMessageSize + " bytes.");
            Console.WriteLine();
            Console.Write(WireCostReport.Format(runs));
            Console.WriteLine();

            // Again, counting the messages without keeping them, to see what the module itself allocates.
            foreach (var (name, run, report) in runs)
            {
                WireCostRun bare = WireCostSimulation.Run(trace, keepMessages: false, configuration: run.Configuration);
                if (bare.MessageBytes != report.Bytes || bare.MessageCount != report.Messages)
                {
                    Console.Error.WriteLine("wirecost: the second run of " + name + " differs from the first");
                    return 1;
                }

                Console.WriteLine($"{name}: managed allocations inside the module over the day: Record {bare.AllocatedByRecord:#,0} B"
                    + $" ({bare.Ipv4.Fed.Packets + bare.Ipv6.Fed.Packets:#,0} calls), engine ticks (collections, serialization) {bare.AllocatedByTicks:#,0} B"
                    + $" ({bare.AllocatedByTicks / (double)Math.Max(1, bare.MessageCount):0.0} B per message).");
                foreach (string allocation in bare.RecordAllocations)
                {
                    // The runtime now and then allocates once inside a call (JIT tiering, lock bookkeeping): say where.
                    Console.WriteLine("  Record allocated at " + allocation);
                }
            }

            Console.WriteLine($"Simulated {2 * runs.Count} times in {stopwatch.Elapsed.TotalSeconds:0.0} s.");
            return 0;
        }

        /// <summary>Every benchmark once, in this process, so that CI sees them compile and run in seconds.</summary>
        private static int Smoke()
        {
            IConfig config = ManualConfig.CreateEmpty()
                .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("smoke"))
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.Console)
                .WithOptions(ConfigOptions.DisableLogFile);
            Summary[] summaries = BenchmarkRunner.Run(typeof(Program).Assembly, config);
            int failed = 0;
            foreach (Summary summary in summaries)
            {
                if (summary.HasCriticalValidationErrors)
                {
                    failed++;
                }

                foreach (BenchmarkReport report in summary.Reports)
                {
                    if (!report.Success)
                    {
                        Console.Error.WriteLine("benchmark failed: " + report.BenchmarkCase.DisplayInfo);
                        failed++;
                    }
                }
            }

            int ran = summaries.Sum(s => s.Reports.Length);
            Console.WriteLine(failed == 0 ? $"smoke: {ran} benchmarks ran" : $"smoke: {failed} of {ran} benchmarks failed");
            return failed == 0 && ran > 0 ? 0 : 1;
        }
    }
}
