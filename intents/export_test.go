package intents

// SharedReader gives the external tests (package intents_test) the
// production Reader built once per test process.
var SharedReader = testReader
