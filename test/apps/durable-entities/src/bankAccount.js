import * as df from 'durable-functions';

// The bank-account sample's entity: a balance that refuses to go negative.
df.app.entity('account', (context) => {
  const balance = context.df.getState(() => 0);
  switch (context.df.operationName) {
    case 'deposit':
      context.df.setState(balance + context.df.getInput());
      break;
    case 'withdraw': {
      const amount = context.df.getInput();
      if (amount > balance) throw new Error(`insufficient funds: ${balance} < ${amount}`);
      context.df.setState(balance - amount);
      break;
    }
    case 'get':
      context.df.return(balance);
      break;
    case 'delete':
      context.df.destructOnExit();
      break;
  }
});

// Moves money between two accounts inside a critical section, so no other transfer sees half of it.
df.app.orchestration('transfer', function* (context) {
  const { from, to, amount } = context.df.getInput();
  const source = new df.EntityId('account', from);
  const destination = new df.EntityId('account', to);
  const lock = yield context.df.lock(source, destination);
  try {
    const available = yield context.df.callEntity(source, 'get');
    if (available < amount) return false;
    yield context.df.callEntity(source, 'withdraw', amount);
    yield context.df.callEntity(destination, 'deposit', amount);
    return true;
  } finally {
    lock.release();
  }
});

// Sums all balances under one lock: with transfers locking too, the total never shows money in flight.
df.app.orchestration('auditTotal', function* (context) {
  const accounts = context.df.getInput().map((key) => new df.EntityId('account', key));
  const lock = yield context.df.lock(accounts);
  let total = 0;
  for (const account of accounts) total += yield context.df.callEntity(account, 'get');
  lock.release();
  return total;
});

// Calls an operation that throws: the caller sees the entity's error.
df.app.orchestration('overdraw', function* (context) {
  const { key, amount } = context.df.getInput();
  try {
    yield context.df.callEntity(new df.EntityId('account', key), 'withdraw', amount);
    return 'withdrawn';
  } catch (error) {
    return `refused: ${error instanceof Error}`;
  }
});

// Holds the accounts' locks until the event 'release' arrives, then reports the first balance it saw.
df.app.orchestration('holdLock', function* (context) {
  const accounts = context.df.getInput().map((key) => new df.EntityId('account', key));
  const lock = yield context.df.lock(accounts);
  const seen = yield context.df.callEntity(accounts[0], 'get');
  yield context.df.waitForExternalEvent('release');
  lock.release();
  return seen;
});
