import genericSession = require('./index')
declare const levelSession: genericSession.LevelSession
export = levelSession
