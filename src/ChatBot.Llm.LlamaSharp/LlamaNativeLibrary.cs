using System.Runtime.Intrinsics.X86;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ChatBot.Llm.LlamaSharp;

// llama.cpp is a process-wide native library: it is configured once, before the first native call, and after that
// LLamaSharp refuses any change. Every entry point that touches LLamaSharp calls Configure first.
internal static class LlamaNativeLibrary
{
    private static readonly Lock Gate = new();
    private static bool _configured;

    public static void Configure(ILoggerFactory loggerFactory)
    {
        lock (Gate)
        {
            if (_configured)
            {
                return;
            }

            _configured = true;

            var router = new LlamaCppLogRouter(loggerFactory.CreateLogger("ChatBot.Llm.LlamaSharp.LlamaCpp"));
            if (NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                // Someone else loaded llama.cpp first; its library choice stands, but its log can still be routed.
                NativeLogConfig.llama_log_set(router.Write);
                return;
            }

            // CPU only: without these LLamaSharp probes for CUDA and Vulkan builds first. AVX2 is the newest level
            // we ask for: the AVX-512 build gains little for small quantized models and some CPUs slow down under it.
            NativeLibraryConfig.All
                .WithCuda(false)
                .WithVulkan(false)
                .WithAvx(Avx2.IsSupported ? AvxLevel.Avx2 : Avx.IsSupported ? AvxLevel.Avx : AvxLevel.None)
                .WithAutoFallback(true)
                .WithLogCallback(router.Write);
        }
    }
}
