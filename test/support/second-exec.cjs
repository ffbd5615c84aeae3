// A client that asks for a second command on a session channel that runs one already (RFC 4254
// section 6.5 allows one), as a hostile client would. Prints "asked" once the second request is
// sent, then "closed" when the first command's channel ends.
const fs = require('node:fs');
const ssh2 = require('ssh2');

const { port, username, privateKeyFile, first, second } = JSON.parse(process.argv[2]);
const client = new ssh2.Client();
client
  .on('ready', () => {
    client.exec(first, (err, stream) => {
      if (err) throw err;
      stream.resume();
      stream.stderr.resume();
      client._protocol.exec(stream.outgoing.id, second, true);
      console.log('asked');
      stream.on('close', () => {
        console.log('closed');
        client.end();
      });
    });
  })
  .on('error', (err) => console.log(`error: ${err.message}`))
  .connect({ host: '127.0.0.1', port, username, privateKey: fs.readFileSync(privateKeyFile), hostVerifier: () => true, readyTimeout: 20000 });
