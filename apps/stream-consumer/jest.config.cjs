// One suite at a time: the chaos suite restarts the run's one Kafka broker, which the other suite reads from.
module.exports = { ...require('../../jest.preset.cjs').project(__dirname, { stack: true }), maxWorkers: 1 };
