using System.Text;

namespace ChatBot.TestKit;

// Writes a tiny llama-architecture GGUF v3 model whose greedy output is fully predictable, so tests
// can assert exact generated text without downloading a real model.
//
// How it behaves: the next token depends only on the last token.
//   'a'..'y'       -> the next letter ('a' -> 'b', ..., 'y' -> 'z')
//   'z'            -> '.'
//   '.'            -> end of sequence (EOS)
//   anything else  -> 'a' (so a chat prompt ending in "Assistant:" or a template's "\n" answers the whole alphabet)
// A prompt ending in "a" therefore continues "bcdefghijklmnopqrstuvwxyz." and stops; use ExpectedContinuation.
//
// Why it works: the one transformer block has all-zero attention and feed-forward weights, so it adds nothing
// to the residual stream and the final hidden state is just the last token's embedding. Each token's embedding
// is a one-hot vector for its "class" (26 letters, '.', other); output.weight maps each class to the token that
// follows it. After RMS norm the winning logit is about 34 and every other logit is 0, so the same token wins
// under any sane sampling temperature, not only greedy decoding.
//
// Vocabulary (260 tokens, SentencePiece-style so llama.cpp uses its "llama" tokenizer):
//   0 <unk>, 1 <s> (BOS), 2 </s> (EOS), 3..258 the byte tokens <0x00>..<0xFF>, 259 "▁" (the SentencePiece space).
// Every character except the space falls back to its byte token, so one ASCII character is exactly one token.
public static class TinyGgufModel
{
    public const int VocabularySize = 260;
    public const int BosToken = 1;
    public const int EosToken = 2;
    public const int TrainedContextLength = 2048;

    // A ChatML template: llama.cpp recognises it by its "<|im_start|>" marker, so the template code path is taken.
    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz";
    private const int EmbeddingLength = 32;
    private const int HeadCount = 4;
    private const int FeedForwardLength = 32;
    private const int DotClass = 26;
    private const int OtherClass = 27;
    private const float OutputWeight = 6f;
    private const int Alignment = 32;

    // What greedy decoding appends after a prompt whose last character is lastChar, up to (not including) EOS.
    public static string ExpectedContinuation(char lastChar) => lastChar switch
    {
        >= 'a' and <= 'z' => Alphabet[(lastChar - 'a' + 1)..] + ".",
        '.' => "",
        _ => Alphabet + ".",
    };

    // What a chat client answers to any conversation: a chat prompt ends with the assistant cue (the plain format's
    // "Assistant:" or ChatML's newline), which is not a letter, so the answer is the whole alphabet: 27 tokens.
    public static string ExpectedChatAnswer => ExpectedContinuation(':');

    // Writes the model to path; pass chatTemplate (e.g. ChatMlTemplate) to add tokenizer.chat_template metadata.
    public static void Write(string path, string? chatTemplate = null) => File.WriteAllBytes(path, Create(chatTemplate));

    // Writes the model to a new temporary file and returns its path; the caller deletes it.
    public static string WriteTempFile(string? chatTemplate = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"chatbot-tiny-{Guid.NewGuid():N}.gguf");
        Write(path, chatTemplate);
        return path;
    }

    public static byte[] Create(string? chatTemplate = null)
    {
        var tensors = BuildTensors();
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8);

        var metadata = BuildMetadata(chatTemplate);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        w.Write((ulong)metadata.Count);
        foreach (var (key, write) in metadata)
        {
            WriteString(w, key);
            write(w);
        }

        ulong offset = 0;
        foreach (var (name, dims, data) in tensors)
        {
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (var d in dims)
            {
                w.Write((ulong)d);
            }

            w.Write(0u); // GGML_TYPE_F32
            w.Write(offset);
            offset += Align((ulong)data.Length * sizeof(float));
        }

        Pad(w);
        foreach (var (_, _, data) in tensors)
        {
            foreach (var f in data)
            {
                w.Write(f);
            }

            Pad(w);
        }
        w.Flush();
        return stream.ToArray();
    }

    private static List<(string Key, Action<BinaryWriter> Write)> BuildMetadata(string? chatTemplate)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        tokens.Add("\u2581");
        // llama.cpp token types: 1 normal, 2 unknown, 3 control, 6 byte.
        var types = new[] { 2, 3, 3 }.Concat(Enumerable.Repeat(6, 256)).Append(1).ToArray();

        var metadata = new List<(string, Action<BinaryWriter>)>
        {
            ("general.architecture", Str("llama")),
            ("general.name", Str("chatbot-tiny-alphabet")),
            ("llama.context_length", U32(TrainedContextLength)),
            ("llama.embedding_length", U32(EmbeddingLength)),
            ("llama.feed_forward_length", U32(FeedForwardLength)),
            ("llama.block_count", U32(1)),
            ("llama.attention.head_count", U32(HeadCount)),
            ("llama.attention.head_count_kv", U32(HeadCount)),
            ("llama.rope.dimension_count", U32(EmbeddingLength / HeadCount)),
            ("llama.attention.layer_norm_rms_epsilon", w => { w.Write(6u); w.Write(1e-5f); }),
            ("tokenizer.ggml.model", Str("llama")),
            ("tokenizer.ggml.tokens", w => WriteArray(w, 8, tokens, s => WriteString(w, s))),
            ("tokenizer.ggml.scores", w => WriteArray(w, 6, tokens, _ => w.Write(0f))),
            ("tokenizer.ggml.token_type", w => WriteArray(w, 5, types, t => w.Write(t))),
            ("tokenizer.ggml.unknown_token_id", U32(0)),
            ("tokenizer.ggml.bos_token_id", U32(BosToken)),
            ("tokenizer.ggml.eos_token_id", U32(EosToken)),
        };
        if (chatTemplate is not null)
        {
            metadata.Add(("tokenizer.chat_template", Str(chatTemplate)));
        }

        return metadata;

        static Action<BinaryWriter> Str(string value) => w => { w.Write(8u); WriteString(w, value); };
        static Action<BinaryWriter> U32(uint value) => w => { w.Write(4u); w.Write(value); };
    }

    private static List<(string Name, int[] Dims, float[] Data)> BuildTensors()
    {
        var embeddings = new float[VocabularySize * EmbeddingLength];
        var output = new float[VocabularySize * EmbeddingLength];
        for (var token = 0; token < VocabularySize; token++)
        {
            embeddings[token * EmbeddingLength + ClassOf(token)] = 1f;
        }

        for (var letter = 0; letter < 26; letter++)
        {
            var next = letter < 25 ? ByteToken(Alphabet[letter + 1]) : ByteToken('.');
            output[next * EmbeddingLength + letter] = OutputWeight;
        }
        output[EosToken * EmbeddingLength + DotClass] = OutputWeight;
        output[ByteToken('a') * EmbeddingLength + OtherClass] = OutputWeight;

        float[] Zeros(int count) => new float[count];
        float[] Ones(int count) => Enumerable.Repeat(1f, count).ToArray();
        const int e = EmbeddingLength, ff = FeedForwardLength;
        // GGUF lists dimensions innermost first: [n_embd, n_vocab] is one row of n_embd floats per token.
        return
        [
            ("token_embd.weight", [e, VocabularySize], embeddings),
            ("output_norm.weight", [e], Ones(e)),
            ("output.weight", [e, VocabularySize], output),
            ("blk.0.attn_norm.weight", [e], Ones(e)),
            ("blk.0.attn_q.weight", [e, e], Zeros(e * e)),
            ("blk.0.attn_k.weight", [e, e], Zeros(e * e)),
            ("blk.0.attn_v.weight", [e, e], Zeros(e * e)),
            ("blk.0.attn_output.weight", [e, e], Zeros(e * e)),
            ("blk.0.ffn_norm.weight", [e], Ones(e)),
            ("blk.0.ffn_gate.weight", [e, ff], Zeros(e * ff)),
            ("blk.0.ffn_up.weight", [e, ff], Zeros(e * ff)),
            ("blk.0.ffn_down.weight", [ff, e], Zeros(e * ff)),
        ];
    }

    private static int ByteToken(char c) => 3 + c;

    private static int ClassOf(int token) => (token - 3) switch
    {
        var b when b is >= 'a' and <= 'z' => b - 'a',
        '.' => DotClass,
        _ => OtherClass,
    };

    private static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteArray<T>(BinaryWriter w, uint elementType, IReadOnlyCollection<T> items, Action<T> writeItem)
    {
        w.Write(9u); // GGUF_TYPE_ARRAY
        w.Write(elementType);
        w.Write((ulong)items.Count);
        foreach (var item in items)
        {
            writeItem(item);
        }
    }

    private static ulong Align(ulong value) => (value + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w)
    {
        while (w.BaseStream.Position % Alignment != 0)
        {
            w.Write((byte)0);
        }
    }
}
