// shim.cc — the C interface of shim.h over Google Benchmark 1.7.x.
//
// Owns: the only C++ in gomem.  Everything here is a thin translation:
//   1. gmb_state* is a benchmark::State*, gmb_bench* a
//      benchmark::internal::Benchmark*, cast at the boundary.
//   2. A registered C function runs inside a lambda that casts the State.
//   3. gmb_run wraps the display reporter in a forwarding reporter that
//      converts each reported run to a gmb_result for the C callback, then
//      hands the runs on unchanged; --benchmark_out is written by Google
//      Benchmark's own file reporter.
//   4. gmb_list asks Google Benchmark for the matching instance names with
//      --benchmark_list_tests, read back from a string stream.
//   5. gmb_set_threads_override replaces the thread counts of the families
//      registered after it (gomem-bench run --threads).
// Nothing here throws across the C boundary: the calls made cannot throw
// except on allocation failure, which terminates as any C++ program would.
#include "harness/shim.h"

#include <benchmark/benchmark.h>

#include <sstream>
#include <string>
#include <vector>

namespace {

benchmark::State &state_of(gmb_state *st)
{
	return *reinterpret_cast<benchmark::State *>(st);
}

const benchmark::State &state_of(const gmb_state *st)
{
	return *reinterpret_cast<const benchmark::State *>(st);
}

benchmark::internal::Benchmark *bench_of(gmb_bench *b)
{
	return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

// Family names in registration order (Google Benchmark keeps its own list
// private).
std::vector<std::string> &family_names()
{
	static std::vector<std::string> names;
	return names;
}

benchmark::TimeUnit unit_of(gmb_time_unit u)
{
	switch (u) {
	case GMB_US:
		return benchmark::kMicrosecond;
	case GMB_MS:
		return benchmark::kMillisecond;
	case GMB_S:
		return benchmark::kSecond;
	case GMB_NS:
	case GMB_UNIT_DEFAULT:
		break;
	}
	return benchmark::kNanosecond;
}

// gmb_set_threads_override's thread counts (empty: none).
std::vector<int> &threads_override()
{
	static std::vector<int> threads;
	return threads;
}

void apply_opts(benchmark::internal::Benchmark *b, const gmb_opts &o)
{
	for (size_t i = 0; i < o.nargs; i++)
		b->Arg(o.args[i]);
	if (o.nthreads > 0 && !threads_override().empty())
		for (int n : threads_override())
			b->Threads(n);
	else
		for (size_t i = 0; i < o.nthreads; i++)
			b->Threads(o.threads[i]);
	if (o.repetitions > 0)
		b->Repetitions(o.repetitions);
	if (o.min_time > 0)
		b->MinTime(o.min_time);
	if (o.manual_time)
		b->UseManualTime();
	if (o.unit != GMB_UNIT_DEFAULT)
		b->Unit(unit_of(o.unit));
}

int counter_flags(unsigned f)
{
	int out = benchmark::Counter::kDefaults;
	if (f & GMB_COUNTER_RATE)
		out |= benchmark::Counter::kIsRate;
	if (f & GMB_COUNTER_AVG_THREADS)
		out |= benchmark::Counter::kAvgThreads;
	if (f & GMB_COUNTER_PER_RUN)
		out |= benchmark::Counter::kIsIterationInvariant;
	if (f & GMB_COUNTER_AVG_ITERATIONS)
		out |= benchmark::Counter::kAvgIterations;
	if (f & GMB_COUNTER_INVERT)
		out |= benchmark::Counter::kInvert;
	return out;
}

using Run = benchmark::BenchmarkReporter::Run;

void emit(const Run &run, gmb_result_fn fn, void *ctx)
{
	const std::string name = run.run_name.str();
	const bool aggregate = run.run_type == Run::RT_Aggregate;
	const double to_ns = 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
	gmb_result r;
	r.name = name.c_str();
	r.aggregate = aggregate ? run.aggregate_name.c_str() : "";
	r.is_time = !aggregate || run.aggregate_unit == benchmark::kTime;
	r.error = run.error_occurred;
	r.error_message = run.error_message.c_str();
	r.threads = static_cast<int>(run.threads);
	r.repetitions = run.repetitions;
	r.iterations = static_cast<int64_t>(run.iterations);
	r.real_ns = run.GetAdjustedRealTime() * to_ns;
	r.cpu_ns = run.GetAdjustedCPUTime() * to_ns;
	fn(&r, ctx);
}

// Hands every report to `inner` (the display reporter chosen by
// --benchmark_format) and, converted, to the C callback.
class ForwardingReporter : public benchmark::BenchmarkReporter {
public:
	ForwardingReporter(benchmark::BenchmarkReporter *inner, gmb_result_fn fn,
			   void *ctx)
		: inner_(inner), fn_(fn), ctx_(ctx)
	{
	}

	bool ReportContext(const Context &context) override
	{
		return inner_->ReportContext(context);
	}

	void ReportRuns(const std::vector<Run> &runs) override
	{
		if (fn_ != nullptr)
			for (const Run &run : runs)
				emit(run, fn_, ctx_);
		inner_->ReportRuns(runs);
	}

	void Finalize() override { inner_->Finalize(); }

private:
	benchmark::BenchmarkReporter *inner_;
	gmb_result_fn fn_;
	void *ctx_;
};

// Receives nothing but the names --benchmark_list_tests prints to its
// output stream.
class NameReporter : public benchmark::BenchmarkReporter {
public:
	NameReporter() { SetOutputStream(&names_); }
	bool ReportContext(const Context &) override { return false; }
	void ReportRuns(const std::vector<Run> &) override {}
	std::string names() const { return names_.str(); }

private:
	std::ostringstream names_;
};

std::string argv0 = "gomem-bench";
void (*bad_value_fn)() = benchmark::PrintDefaultHelp;

// Set one boolean flag through Google Benchmark's own parser (its flag
// variables are not public).
void set_bool_flag(const char *name, bool on)
{
	std::string flag = std::string("--") + name + (on ? "=true" : "=false");
	std::vector<char> a1(flag.begin(), flag.end());
	a1.push_back('\0');
	// Initialize keeps argv[0] as the context's "executable": it must
	// outlive this call, so it is the global string itself.
	char *argv[] = {argv0.data(), a1.data(), nullptr};
	int argc = 2;
	benchmark::Initialize(&argc, argv, bad_value_fn);
}

} // namespace

extern "C" {

gmb_bench *gmb_register(const char *name, gmb_fn fn, void *arg,
			const gmb_opts *opts)
{
	auto run = [fn, arg](benchmark::State &st) {
		fn(reinterpret_cast<gmb_state *>(&st), arg);
	};
	benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(name, run);
	family_names().push_back(name);
	apply_opts(b, opts != nullptr ? *opts : gmb_opts{});
	return reinterpret_cast<gmb_bench *>(b);
}

void gmb_bench_args(gmb_bench *b, const int64_t *args, size_t n)
{
	bench_of(b)->Args(std::vector<int64_t>(args, args + n));
}

void gmb_set_threads_override(const int *threads, size_t n)
{
	threads_override().assign(threads, threads + n);
}

size_t gmb_family_count(void) { return family_names().size(); }

const char *gmb_family_name(size_t i)
{
	return i < family_names().size() ? family_names()[i].c_str() : nullptr;
}

bool gmb_keep_running(gmb_state *st) { return state_of(st).KeepRunning(); }

bool gmb_keep_running_batch(gmb_state *st, int64_t n)
{
	return state_of(st).KeepRunningBatch(n);
}

int64_t gmb_range(const gmb_state *st, size_t i) { return state_of(st).range(i); }

int gmb_thread_index(const gmb_state *st) { return state_of(st).thread_index(); }

int gmb_threads(const gmb_state *st) { return state_of(st).threads(); }

int64_t gmb_iterations(const gmb_state *st)
{
	return static_cast<int64_t>(state_of(st).iterations());
}

void gmb_pause_timing(gmb_state *st) { state_of(st).PauseTiming(); }

void gmb_resume_timing(gmb_state *st) { state_of(st).ResumeTiming(); }

void gmb_set_iteration_time(gmb_state *st, double seconds)
{
	state_of(st).SetIterationTime(seconds);
}

void gmb_set_counter(gmb_state *st, const char *name, double value,
		     unsigned flags)
{
	const auto k = (flags & GMB_COUNTER_BASE_1024) ? benchmark::Counter::kIs1024
						       : benchmark::Counter::kIs1000;
	const auto f = static_cast<benchmark::Counter::Flags>(counter_flags(flags));
	state_of(st).counters[name] = benchmark::Counter(value, f, k);
}

void gmb_set_items_processed(gmb_state *st, int64_t items)
{
	state_of(st).SetItemsProcessed(items);
}

void gmb_set_bytes_processed(gmb_state *st, int64_t bytes)
{
	state_of(st).SetBytesProcessed(bytes);
}

void gmb_set_label(gmb_state *st, const char *label) { state_of(st).SetLabel(label); }

void gmb_skip_with_error(gmb_state *st, const char *msg)
{
	state_of(st).SkipWithError(msg);
}

void gmb_initialize(int *argc, char **argv, void (*bad_value)(void))
{
	if (*argc > 0 && argv[0] != nullptr)
		argv0 = argv[0];
	if (bad_value != nullptr)
		bad_value_fn = bad_value;
	benchmark::Initialize(argc, argv, bad_value_fn);
}

void gmb_add_context(const char *key, const char *value)
{
	benchmark::AddCustomContext(key, value);
}

size_t gmb_run(gmb_result_fn fn, void *ctx)
{
	// Google Benchmark 1.7.1 keeps the default display reporter in a
	// static: it is created once and never deleted.
	static benchmark::BenchmarkReporter *display =
		benchmark::CreateDefaultDisplayReporter();
	ForwardingReporter forward(display, fn, ctx);
	return benchmark::RunSpecifiedBenchmarks(&forward);
}

size_t gmb_list(void (*fn)(const char *name, void *ctx), void *ctx)
{
	NameReporter names;
	set_bool_flag("benchmark_list_tests", true);
	const size_t n = benchmark::RunSpecifiedBenchmarks(&names);
	set_bool_flag("benchmark_list_tests", false);
	std::istringstream in(names.names());
	for (std::string line; std::getline(in, line);)
		if (!line.empty())
			fn(line.c_str(), ctx);
	return n;
}

void gmb_shutdown(void) { benchmark::Shutdown(); }

} // extern "C"
