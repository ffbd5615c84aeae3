/**
 * Where one direction of a WebSocket tunnel is in its frames, read incrementally from the
 * chunks as they pass (RFC 6455 §5.2), so that the proxy can tell data frames (text, binary and
 * their continuations: what a person's work sends) from control frames (ping, pong, close: what
 * Jupyter's 30-second keep-alive sends on every idle socket). A frame may be split anywhere
 * across chunks and a chunk may hold many frames; only the header bytes are looked at, the
 * payload is skipped by its length, and nothing is allocated per chunk: this runs on every
 * chunk of every tunnel.
 *
 * What it reads of each header: byte 0's opcode (its low four bits; 0x0-0x7 are data and
 * reserved data opcodes, 0x8-0xF control), byte 1's MASK bit and 7-bit length, then the 16-bit
 * (126) or 64-bit (127) extended length in network order, then the 4-byte masking key when MASK
 * is set (every client frame, §5.3). Extension data (permessage-deflate's compressed bytes) is
 * inside the payload length, so extensions need nothing here.
 */

/** The stage of the frame the next byte belongs to. */
const FIRST = 0;
const SECOND = 1;
const EXTENDED_LENGTH = 2;
const MASKING_KEY = 3;
const PAYLOAD = 4;
/** Lost its place (a length past 2^53 bytes, which no real peer sends): everything counts as data from then on. */
const LOST = 5;

/** A length this large, times 256, would pass Number.MAX_SAFE_INTEGER. */
const LENGTH_LIMIT = Math.floor(Number.MAX_SAFE_INTEGER / 256);

/** Reads one direction of one WebSocket; make one per direction per tunnel. */
export class WebSocketFrameReader {
  private stage = FIRST;
  /** The current frame is a data frame. */
  private data = false;
  private masked = false;
  /** Extended length or masking key bytes still to come. */
  private headerLeft = 0;
  /** Payload bytes still to come. */
  private payloadLeft = 0;
  /** Frames whose header has begun, by kind (for tests and logs; counted, never kept). */
  dataFrames = 0;
  controlFrames = 0;

  /**
   * Reads `chunk`, the next bytes of this direction, and says whether any of it belongs to a
   * data frame (a header or payload byte). True for everything once the reader has lost its
   * place: counting too much keeps a sandbox running, counting too little could stop one in use.
   */
  read(chunk: Uint8Array): boolean {
    if (this.stage === LOST) return chunk.length > 0;
    let sawData = false;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.stage) {
        case FIRST: {
          this.data = (chunk[i]! & 0x08) === 0;
          if (this.data) {
            sawData = true;
            this.dataFrames++;
          } else {
            this.controlFrames++;
          }
          i++;
          this.stage = SECOND;
          break;
        }
        case SECOND: {
          const b = chunk[i]!;
          i++;
          if (this.data) sawData = true;
          this.masked = (b & 0x80) !== 0;
          const length = b & 0x7f;
          if (length === 126 || length === 127) {
            this.payloadLeft = 0;
            this.headerLeft = length === 126 ? 2 : 8;
            this.stage = EXTENDED_LENGTH;
          } else {
            this.payloadLeft = length;
            this.afterLength();
          }
          break;
        }
        case EXTENDED_LENGTH: {
          if (this.payloadLeft > LENGTH_LIMIT) {
            this.stage = LOST;
            return true;
          }
          this.payloadLeft = this.payloadLeft * 256 + chunk[i]!;
          i++;
          if (this.data) sawData = true;
          if (--this.headerLeft === 0) this.afterLength();
          break;
        }
        case MASKING_KEY: {
          const take = Math.min(this.headerLeft, n - i);
          i += take;
          this.headerLeft -= take;
          if (this.data) sawData = true;
          if (this.headerLeft === 0) this.stage = this.payloadLeft > 0 ? PAYLOAD : FIRST;
          break;
        }
        case PAYLOAD: {
          const take = Math.min(this.payloadLeft, n - i);
          i += take;
          this.payloadLeft -= take;
          if (this.data) sawData = true;
          if (this.payloadLeft === 0) this.stage = FIRST;
          break;
        }
        default:
          return true;
      }
    }
    return sawData;
  }

  /** The length is known: the masking key comes next, or the payload, or the next frame. */
  private afterLength(): void {
    if (this.masked) {
      this.headerLeft = 4;
      this.stage = MASKING_KEY;
    } else {
      this.stage = this.payloadLeft > 0 ? PAYLOAD : FIRST;
    }
  }
}
