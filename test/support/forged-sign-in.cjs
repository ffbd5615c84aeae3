// A client that signs in with a forged public-key request, as an attacker's would: it names
// `algo` as the key's algorithm and signs with `sign` (`garbage`, or `sha1` with the private
// key), for the public key `publicKey`. Prints "signed in" or "refused: <why>" and exits.
// Run as its own process (node forged-sign-in.cjs '<json>'): it patches ssh2's client protocol.
const fs = require('node:fs');
const ssh2 = require('ssh2');
const Protocol = require('ssh2/lib/protocol/Protocol.js');

const { port, username, publicKey, privateKeyFile, algo, sign } = JSON.parse(process.argv[2]);
const signer = privateKeyFile ? ssh2.utils.parseKey(fs.readFileSync(privateKeyFile)) : null;
const original = Protocol.prototype.authPK;
Protocol.prototype.authPK = function (user, _key, keyAlgo, cbSign) {
  if (typeof keyAlgo === 'function') cbSign = keyAlgo;
  const forge = sign === 'garbage' ? (data, cb) => cb(Buffer.alloc(64, 0x41)) : (data, cb) => cb(signer.sign(data, 'sha1'));
  return original.call(this, user, publicKey, algo, cbSign ? forge : undefined);
};
const client = new ssh2.Client();
client
  .on('ready', () => {
    console.log('signed in');
    client.end();
  })
  .on('error', (err) => {
    console.log(`refused: ${err.message}`);
    process.exit(0);
  })
  .connect({ host: '127.0.0.1', port, username, privateKey: fs.readFileSync(privateKeyFile), hostVerifier: () => true, readyTimeout: 20000 });
