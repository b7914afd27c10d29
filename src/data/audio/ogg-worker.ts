/**
 * The worker thread behind ./ogg.ts: decodes one Ogg Vorbis file at a time
 * with @wasm-audio-decoders/ogg-vorbis (libvorbis compiled to WebAssembly,
 * whose API is asynchronous), answers on the port it was given and then
 * wakes the caller, which waits blocked on `signal`.
 */
import { type MessagePort, workerData } from "node:worker_threads";
import type { OggVorbisDecoder } from "@wasm-audio-decoders/ogg-vorbis";
import type { OggReply } from "./ogg.js";

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

let decoder: OggVorbisDecoder | null = null;

async function decode(bytes: Uint8Array): Promise<OggReply> {
  try {
    // Imported here, not at the top, so that a failure to load is an answer, not a dead worker.
    if (!decoder) decoder = new (await import("@wasm-audio-decoders/ogg-vorbis")).OggVorbisDecoder();
    await decoder.ready;
    // decodeFile resets the decoder afterwards: every file starts from the same fresh state.
    const d = await decoder.decodeFile(bytes);
    return {
      sampleRate: d.sampleRate,
      channelData: d.channelData,
      errors: d.errors.map((e) => e.message),
    };
  } catch (e) {
    decoder = null; // its state after a failure is unknown: the next file gets a new one
    return { failure: e instanceof Error ? e.message : String(e) };
  }
}

port.on("message", (bytes: Uint8Array) => {
  void decode(bytes).then((reply) => {
    port.postMessage(reply);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
});
