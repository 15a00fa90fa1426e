"""Request validation messages that name the parameter, as SP-API's do.

Connexion reports a bad query parameter with jsonschema's bare message ("0 is less than the
minimum of 1", followed by a dump of the schema); a client needs to know which parameter.
"""

from __future__ import annotations

from connexion.validators import VALIDATOR_MAP, ParameterValidator


class NamedParameterValidator(ParameterValidator):
    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        error = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if error and not error.startswith("Missing"):
            return f"Invalid {param['name']}: {error.splitlines()[0]}"
        return error


VALIDATORS = {**VALIDATOR_MAP, "parameter": NamedParameterValidator}
