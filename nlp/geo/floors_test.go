package geo

// Floors measured on the dev set and the CEGEOMEX sample (docs/geo.md); a
// change that drops below them fails the build.
const (
	devFocusCountryFloor  = 0.95
	devFocusAdmin1Floor   = 0.94
	devFocusAdmin2Floor   = 0.90
	devMentionRecallFloor = 0.75

	cegeoPrecisionFloor     = 0.75
	cegeoCountryRecallFloor = 0.90
)
