"""Home medical visits (上门医疗): scheduling, completion with findings and medicine, cancelling."""
